// daemon/main.cc: builds the command line (DESIGN.md "Command line") and runs the chosen
// subcommand; nothing else lives here.
#include <CLI/CLI.hpp>

#include "daemon/cmd_config.h"
#include "daemon/cmd_dev_broker.h"
#include "daemon/cmd_replay.h"
#include "daemon/cmd_rules.h"
#include "daemon/cmd_run.h"

int main(int argc, char** argv) {
  CLI::App app{"trailhound: real-time AWS CloudTrail detection with incident context"};
  app.require_subcommand(1);
  trailhound::daemon::ReplayOptions replay_options;
  CLI::App* replay = trailhound::daemon::AddReplayCommand(app, replay_options);
  trailhound::daemon::RulesLintOptions lint_options;
  trailhound::daemon::RulesTestOptions test_options;
  const trailhound::daemon::RulesCommands rules =
      trailhound::daemon::AddRulesCommand(app, lint_options, test_options);
  trailhound::daemon::DevBrokerOptions dev_broker_options;
  CLI::App* dev_broker = trailhound::daemon::AddDevBrokerCommand(app, dev_broker_options);
  trailhound::daemon::RunOptions run_options;
  CLI::App* run = trailhound::daemon::AddRunCommand(app, run_options);
  trailhound::daemon::ConfigCheckOptions config_check_options;
  CLI::App* config_check = trailhound::daemon::AddConfigCommand(app, config_check_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  if (replay->parsed()) {
    return trailhound::daemon::RunReplay(replay_options);
  }
  if (rules.lint->parsed()) {
    return trailhound::daemon::RunRulesLint(lint_options);
  }
  if (rules.test->parsed()) {
    return trailhound::daemon::RunRulesTest(test_options);
  }
  if (dev_broker->parsed()) {
    return trailhound::daemon::RunDevBroker(dev_broker_options);
  }
  if (run->parsed()) {
    return trailhound::daemon::RunDaemon(run_options);
  }
  if (config_check->parsed()) {
    return trailhound::daemon::RunConfigCheck(config_check_options);
  }
  return 2;
}
