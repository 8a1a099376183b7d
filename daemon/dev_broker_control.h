// daemon/dev_broker_control.h: the line protocol that drives a running dev-broker
// (AT-LEAST-ONCE.md §12), read from its stdin:
//
//   down [BROKER]          broker BROKER (default: every broker) closes its connections and
//                          refuses new ones
//   up [BROKER]            accepts again, on the same port, with its logs intact
//   rtt MS [BROKER]        delays every response by MS milliseconds (0 turns it off)
//   errors API N ERR...    the next N requests of API (a Kafka API name such as OffsetCommit,
//                          or its key) fail with the ERRs in order, the list repeating to fill N
//                          (a Kafka error name such as ILLEGAL_GENERATION, or its code;
//                          NO_ERROR lets one through)
//
// Blank lines and lines starting with '#' do nothing.
#pragma once

#include <string>
#include <string_view>

#include "daemon/dev_broker_cluster.h"
#include "pipeline/base/result.h"

namespace trailhound::daemon {

// One line naming every command, for messages about lines that are not one of them.
extern const char kControlCommandsHelp[];

// Runs one control line. Returns what was done, in a few words ("broker 1 down"), empty for a
// blank or comment line, or an InvalidInput naming what is wrong with the line; a bad line
// changes nothing.
base::Result<std::string> RunControlCommand(DevBrokerCluster& cluster, std::string_view line);

}  // namespace trailhound::daemon
