// rules/condition_parser.cc: tokenizer and recursive-descent parser for Sigma conditions
// (SIGMA.md §10), and the flattening that turns the parse into Condition's compact node array.
#include "rules/condition_parser.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace trailhound::rules {

// The one place allowed to build a Condition from nodes (Condition's constructor is private so
// evaluation can trust the layout).
class ConditionBuilder {
 public:
  static Condition Make(std::vector<ConditionNode> nodes) { return Condition(std::move(nodes)); }
};

namespace {

using Kind = ConditionNode::Kind;

constexpr uint32_t kDropped = UINT32_MAX;  // a term whose `x of` pattern selected nothing
// `1 of them` repeated k times over m identifiers is k * m terms: quadratic in the text. A
// condition may expand to at most this many.
constexpr size_t kMaxConditionTerms = size_t{1} << 20;

enum class TokenKind : uint8_t { kWord, kOpenParen, kCloseParen, kEnd };
enum class Keyword : uint8_t { kNone, kAnd, kOr, kNot, kOf, kThem, kAny, kAll, kOne, kNear };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Keyword keyword = Keyword::kNone;
  uint32_t offset = 0;
  std::string_view text;
};

struct Term {
  Kind kind = Kind::kSelection;
  uint32_t selection = 0;
  std::vector<uint32_t> children;
};

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '*';
}

char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

Keyword ExactKeyword(std::string_view word) {
  static constexpr std::pair<std::string_view, Keyword> kKeywords[] = {
      {"and", Keyword::kAnd}, {"or", Keyword::kOr},     {"not", Keyword::kNot},
      {"of", Keyword::kOf},   {"them", Keyword::kThem}, {"any", Keyword::kAny},
      {"all", Keyword::kAll}, {"1", Keyword::kOne},     {"near", Keyword::kNear}};
  for (const auto& [name, keyword] : kKeywords) {
    if (word == name) {
      return keyword;
    }
  }
  return Keyword::kNone;
}

// `*` matches any run of characters; the pattern must cover the whole name. Backtracks only to
// the last `*`, so it is O(len(pattern) * len(name)) at worst.
bool GlobMatches(std::string_view pattern, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// `a**b` means `a*b`; collapsed once per pattern, a run of stars is not rescanned for every
// identifier it is matched against.
std::string CollapseStars(std::string_view pattern) {
  std::string glob;
  for (const char c : pattern) {
    if (c != '*' || glob.empty() || glob.back() != '*') {
      glob += c;
    }
  }
  return glob;
}

// Messages build strings as std::string + std::string: GCC 12 at -O2 misreports
// "literal" + std::string&& (an insert at 0) as -Wrestrict.
std::string Quoted(const Token& token) {
  return token.kind == TokenKind::kEnd ? "the end of the condition" : Quote(token.text);
}

// `and`, `or`, `not`, `of`: never an operand or a pattern.
bool IsOperator(const Token& token) {
  return token.keyword == Keyword::kAnd || token.keyword == Keyword::kOr ||
         token.keyword == Keyword::kNot || token.keyword == Keyword::kOf;
}

// Parse-time nodes. An and/or operand of its own kind is spliced in as it is built, so the tree
// is already flat when Emit lays it out as ConditionNodes.
class TermArena {
 public:
  uint32_t Add(Term term) {
    terms_.push_back(std::move(term));
    return static_cast<uint32_t>(terms_.size() - 1);
  }
  uint32_t Selection(uint32_t index) { return Add(Term{Kind::kSelection, index, {}}); }
  size_t size() const { return terms_.size(); }

  // `not not x` is `x`.
  uint32_t Negate(uint32_t term) {
    return terms_[term].kind == Kind::kNot ? terms_[term].children[0]
                                           : Add(Term{Kind::kNot, 0, {term}});
  }

  // Skips dropped operands, splices operands of the same kind and collapses a single operand.
  uint32_t Combine(Kind kind, const std::vector<uint32_t>& operands) {
    std::vector<uint32_t> children;
    for (const uint32_t operand : operands) {
      if (operand == kDropped) {
        continue;
      }
      if (terms_[operand].kind == kind) {
        const std::vector<uint32_t>& grandchildren = terms_[operand].children;
        children.insert(children.end(), grandchildren.begin(), grandchildren.end());
      } else {
        children.push_back(operand);
      }
    }
    if (children.size() <= 1) {
      return children.empty() ? kDropped : children[0];
    }
    return Add(Term{kind, 0, std::move(children)});
  }

  // Copies the subtree of an already built condition in, as terms; its selection indices are
  // shifted by `selection_offset`.
  uint32_t Import(std::span<const ConditionNode> nodes, uint32_t index,
                  uint32_t selection_offset = 0) {
    const ConditionNode& node = nodes[index];
    Term term{node.kind, node.kind == Kind::kSelection ? node.first + selection_offset : 0, {}};
    for (uint32_t i = 0; node.kind != Kind::kSelection && i < node.count; ++i) {
      term.children.push_back(Import(nodes, node.first + i, selection_offset));
    }
    return Add(std::move(term));
  }

  Condition Build(uint32_t root) const {
    std::vector<ConditionNode> nodes(1);
    Emit(root, 0, nodes);
    return ConditionBuilder::Make(std::move(nodes));
  }

 private:
  // Lays the term out at nodes[slot], its children contiguously after everything so far.
  void Emit(uint32_t term, uint32_t slot, std::vector<ConditionNode>& nodes) const {
    const Term& t = terms_[term];
    if (t.kind == Kind::kSelection) {
      nodes[slot] = ConditionNode{Kind::kSelection, t.selection, 0};
      return;
    }
    const auto first = static_cast<uint32_t>(nodes.size());
    const auto count = static_cast<uint32_t>(t.children.size());
    nodes.resize(nodes.size() + count);
    nodes[slot] = ConditionNode{t.kind, first, count};
    for (uint32_t i = 0; i < count; ++i) {
      Emit(t.children[i], first + i, nodes);
    }
  }

  std::vector<Term> terms_;
};

// One parse of one condition text: tokens first (linear), then recursive descent whose depth is
// bounded by kMaxConditionNesting. Used once, by ParseCondition.
class Parser {
 public:
  Parser(const IdentifierIndex& index, const SourceLocation& where, Diagnostics& diags)
      : identifiers_(index.names()), index_(index), where_(where), diags_(diags) {}

  std::optional<Condition> Run(std::string_view text) {
    if (!Tokenize(text)) {
      return std::nullopt;
    }
    if (tokens_.front().kind == TokenKind::kEnd) {
      SyntaxError(0, "the condition is empty; name a search identifier, e.g. 'selection'");
      return std::nullopt;
    }
    const uint32_t root = ParseOr(0);
    if (!aborted_ && Peek().kind != TokenKind::kEnd) {
      ReportUnexpectedAfterOperand(Peek());
    }
    if (aborted_ || failed_) {
      return std::nullopt;
    }
    if (root == kDropped) {
      Error(0, "empty-condition",
            "the condition selects nothing: every '1 of'/'all of' term in it matched no search "
            "identifier");
      return std::nullopt;
    }
    return terms_.Build(root);
  }

 private:
  bool Tokenize(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      const auto offset = static_cast<uint32_t>(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.push_back(Token{c == '(' ? TokenKind::kOpenParen : TokenKind::kCloseParen,
                                Keyword::kNone, offset, text.substr(i, 1)});
        ++i;
      } else if (c == '|') {
        Error(offset, "legacy-aggregation",
              "legacy aggregation ('|' in a condition): write a correlation rule (SIGMA.md §13)");
        return false;
      } else if (IsWordChar(c)) {
        size_t end = i;
        while (end < text.size() && IsWordChar(text[end])) {
          ++end;
        }
        const std::string_view word = text.substr(i, end - i);
        tokens_.push_back(Token{TokenKind::kWord, ClassifyWord(word, offset), offset, word});
        i = end;
      } else {
        const bool printable = c > ' ' && c < 0x7f;
        SyntaxError(offset, printable ? "unexpected character '" + std::string(1, c) +
                                            "'; a condition holds search identifiers, "
                                            "'and', 'or', 'not', 'x of' and parentheses"
                                      : "unexpected byte in the condition");
        return false;
      }
    }
    tokens_.push_back(
        Token{TokenKind::kEnd, Keyword::kNone, static_cast<uint32_t>(text.size()), {}});
    return true;
  }

  // Operators are lower case only. A word that is one in another case is reported once here and
  // then read as the operator, so the rest of the condition is still checked; a defined search
  // identifier spelled that way stays an identifier.
  Keyword ClassifyWord(std::string_view word, uint32_t offset) {
    if (const Keyword exact = ExactKeyword(word); exact != Keyword::kNone) {
      return exact;
    }
    if (word.size() > 4 || index_.Find(word).has_value()) {
      return Keyword::kNone;
    }
    std::string lower(word);
    for (char& c : lower) {
      c = AsciiLower(c);
    }
    const Keyword keyword = ExactKeyword(lower);
    if (keyword == Keyword::kNone || keyword == Keyword::kNear) {
      return Keyword::kNone;
    }
    Error(offset, "uppercase-operator",
          Quote(word) +
              " is an operator in the wrong case; Sigma operators are lower case: write " +
              Quote(lower));
    return keyword;
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& PeekNext() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  uint32_t ParseOr(int depth) { return ParseChain(Keyword::kOr, depth); }

  // or_expr and and_expr: operands separated by `keyword`, left-associative, built flat.
  uint32_t ParseChain(Keyword keyword, int depth) {
    auto parse_operand = [&] {
      return keyword == Keyword::kOr ? ParseChain(Keyword::kAnd, depth) : ParseNot(depth);
    };
    const uint32_t first = parse_operand();
    if (aborted_ || Peek().keyword != keyword) {
      return first;  // the common single operand: no vector, no Combine
    }
    std::vector<uint32_t> operands{first};
    while (Peek().keyword == keyword) {
      Next();
      operands.push_back(parse_operand());
      if (aborted_) {
        return kDropped;
      }
    }
    return terms_.Combine(keyword == Keyword::kOr ? Kind::kOr : Kind::kAnd, operands);
  }

  // A run of `not`s is read in a loop, not by recursion, and cancels in pairs.
  uint32_t ParseNot(int depth) {
    bool negate = false;
    while (Peek().keyword == Keyword::kNot) {
      Next();
      negate = !negate;
    }
    const uint32_t term = ParsePrimary(depth);
    if (aborted_ || term == kDropped || !negate) {
      return term;  // `not` over a dropped term is dropped with it
    }
    return terms_.Negate(term);
  }

  uint32_t ParsePrimary(int depth) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kOpenParen) {
      return ParseParenthesized(depth);
    }
    if (token.kind != TokenKind::kWord || IsOperator(token)) {
      return SyntaxError(
          token.offset,
          "expected a search identifier, '(', 'not' or '1 of' but found " + Quoted(token));
    }
    if (PeekNext().keyword == Keyword::kOf) {
      return ParseQuantifier();
    }
    const Token& word = Next();
    const std::optional<uint32_t> found = index_.Find(word.text);
    if (found.has_value()) {
      return terms_.Selection(*found);
    }
    switch (word.keyword) {
      case Keyword::kThem:
        return SyntaxError(word.offset, "'them' is only allowed after '1 of' or 'all of'");
      case Keyword::kOne:
      case Keyword::kAny:
      case Keyword::kAll:
        return SyntaxError(word.offset, "expected 'of' after " + Quoted(word));
      default:
        break;
    }
    if (word.text.find('*') != std::string_view::npos) {
      return SyntaxError(word.offset, "'*' is only allowed in a pattern after '1 of' or 'all of'");
    }
    Error(word.offset, "undefined-identifier",
          Quote(word.text) + " is not a search identifier of this rule" + DefinedIdentifiersHint());
    return terms_.Selection(0);  // stands in so parsing can go on
  }

  uint32_t ParseParenthesized(int depth) {
    const Token& open = Next();
    if (depth >= kMaxConditionNesting) {
      return SyntaxError(open.offset, "parentheses nested deeper than " +
                                          std::to_string(kMaxConditionNesting) + " levels");
    }
    if (Peek().kind == TokenKind::kCloseParen) {
      return SyntaxError(open.offset, "empty parentheses");
    }
    const uint32_t term = ParseOr(depth + 1);
    if (aborted_) {
      return kDropped;
    }
    if (Peek().kind == TokenKind::kEnd) {
      return SyntaxError(open.offset, "unbalanced parentheses: this '(' is never closed");
    }
    if (Peek().kind != TokenKind::kCloseParen) {
      ReportUnexpectedAfterOperand(Peek());
      return kDropped;
    }
    Next();
    return term;
  }

  // `1 of P`, `any of P`, `all of P`; the current token is the quantifier, the next `of`.
  uint32_t ParseQuantifier() {
    const Token& quantifier = Next();
    Next();  // `of`
    const bool any = quantifier.keyword == Keyword::kOne || quantifier.keyword == Keyword::kAny;
    if (!any && quantifier.keyword != Keyword::kAll) {
      return SyntaxError(
          quantifier.offset,
          Quoted(quantifier) + " is not a quantifier; write '1 of', 'any of' or 'all of'");
    }
    const Token& pattern = Peek();
    if (pattern.kind != TokenKind::kWord || IsOperator(pattern)) {
      return SyntaxError(pattern.offset, "expected a pattern or 'them' after '" +
                                             std::string(quantifier.text) + " of' but found " +
                                             Quoted(pattern));
    }
    Next();
    const bool them = pattern.keyword == Keyword::kThem;
    const std::string glob = CollapseStars(pattern.text);
    std::vector<uint32_t> operands;
    for (uint32_t i = 0; i < identifiers_.size(); ++i) {
      const std::string& name = identifiers_[i];
      // `_`-prefixed identifiers are private: only a pattern starting with `_` picks them.
      const bool visible = name.empty() || name[0] != '_' || (!them && pattern.text[0] == '_');
      if (visible && (them || GlobMatches(glob, name))) {
        operands.push_back(terms_.Selection(i));
      }
    }
    if (terms_.size() > kMaxConditionTerms) {
      return SyntaxError(quantifier.offset, "the condition expands to more than " +
                                                std::to_string(kMaxConditionTerms) +
                                                " selections; name fewer with 'x of'");
    }
    if (operands.empty()) {
      diags_.Warning(At(quantifier.offset), "empty-selector",
                     Quote(std::string(quantifier.text) + " of " + std::string(pattern.text)) +
                         " selects no search identifier; the term is ignored");
      return kDropped;
    }
    return terms_.Combine(any ? Kind::kOr : Kind::kAnd, operands);
  }

  void ReportUnexpectedAfterOperand(const Token& token) {
    if (token.keyword == Keyword::kNear) {
      Error(token.offset, "legacy-aggregation",
            "legacy aggregation ('near'): write a correlation rule (SIGMA.md §13)");
      aborted_ = true;
    } else if (token.kind == TokenKind::kCloseParen) {
      SyntaxError(token.offset, "unbalanced parentheses: this ')' has no matching '('");
    } else if (token.keyword == Keyword::kNot) {
      SyntaxError(token.offset, "'not' cannot join two terms; write 'and not' or 'or not'");
    } else {
      SyntaxError(token.offset,
                  "expected 'and', 'or' or the end of the condition before " + Quoted(token));
    }
  }

  std::string DefinedIdentifiersHint() const {
    if (identifiers_.empty()) {
      return "; the detection defines none";
    }
    std::string hint = "; defined: ";
    constexpr size_t kMaxListed = 8;
    constexpr size_t kMaxNameBytes = 64;  // every undefined name repeats the hint
    for (size_t i = 0; i < identifiers_.size() && i < kMaxListed; ++i) {
      hint += i == 0 ? "" : ", ";
      hint += identifiers_[i].size() <= kMaxNameBytes
                  ? identifiers_[i]
                  : identifiers_[i].substr(0, kMaxNameBytes) + "...";
    }
    return identifiers_.size() > kMaxListed ? hint + ", ..." : hint;
  }

  SourceLocation At(uint32_t offset) const { return where_.Shifted(static_cast<int>(offset)); }

  void Error(uint32_t offset, std::string_view code, std::string message) {
    diags_.Error(At(offset), code, std::move(message));
    failed_ = true;
  }

  // Reports and stops: past a syntax error the rest of the condition cannot be read reliably.
  uint32_t SyntaxError(uint32_t offset, std::string message) {
    Error(offset, "condition-syntax", std::move(message));
    aborted_ = true;
    return kDropped;
  }

  std::span<const std::string> identifiers_;
  const IdentifierIndex& index_;
  const SourceLocation& where_;
  Diagnostics& diags_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  TermArena terms_;
  bool aborted_ = false;  // a syntax error: stop parsing
  bool failed_ = false;   // some error was reported: no Condition
};

void Describe(std::span<const ConditionNode> nodes, uint32_t index,
              std::span<const std::string> identifiers, std::string& out) {
  const ConditionNode& node = nodes[index];
  if (node.kind == Kind::kSelection) {
    out += node.first < identifiers.size() ? identifiers[node.first]
                                           : std::string("#") + std::to_string(node.first);
    return;
  }
  out += node.kind == Kind::kAnd ? "and(" : node.kind == Kind::kOr ? "or(" : "not(";
  for (uint32_t i = 0; i < node.count; ++i) {
    out += i == 0 ? "" : ", ";
    Describe(nodes, node.first + i, identifiers, out);
  }
  out += ')';
}

}  // namespace

IdentifierIndex::IdentifierIndex(std::span<const std::string> identifiers) : names_(identifiers) {
  for (uint32_t i = 0; i < identifiers.size(); ++i) {
    index_of_.emplace(identifiers[i], i);  // the first of two equal names wins
  }
}

std::optional<uint32_t> IdentifierIndex::Find(std::string_view name) const {
  const auto found = index_of_.find(name);
  return found == index_of_.end() ? std::nullopt : std::optional<uint32_t>(found->second);
}

std::optional<Condition> ParseCondition(std::string_view text, const IdentifierIndex& identifiers,
                                        const SourceLocation& where, Diagnostics& diags) {
  return Parser(identifiers, where, diags).Run(text);
}

std::optional<Condition> ParseCondition(std::string_view text,
                                        std::span<const std::string> identifiers,
                                        const SourceLocation& where, Diagnostics& diags) {
  return ParseCondition(text, IdentifierIndex(identifiers), where, diags);
}

std::optional<Condition> CombineConditionsAnyOf(std::span<const Condition> conditions) {
  TermArena terms;
  std::vector<uint32_t> operands;
  for (const Condition& condition : conditions) {
    if (!condition.empty()) {
      operands.push_back(terms.Import(condition.nodes(), 0));
    }
  }
  const uint32_t root = terms.Combine(Kind::kOr, operands);
  if (root == kDropped) {
    return std::nullopt;
  }
  return terms.Build(root);
}

std::optional<Condition> CombineConditionsAllOf(std::span<const Condition> conditions,
                                                std::span<const uint32_t> selection_offsets) {
  TermArena terms;
  std::vector<uint32_t> operands;
  for (size_t i = 0; i < conditions.size(); ++i) {
    if (!conditions[i].empty()) {
      operands.push_back(terms.Import(conditions[i].nodes(), 0, selection_offsets[i]));
    }
  }
  const uint32_t root = terms.Combine(Kind::kAnd, operands);
  if (root == kDropped) {
    return std::nullopt;
  }
  return terms.Build(root);
}

std::string DescribeCondition(const Condition& condition,
                              std::span<const std::string> identifiers) {
  std::string out;
  if (!condition.empty()) {
    Describe(condition.nodes(), 0, identifiers, out);
  }
  return out;
}

}  // namespace trailhound::rules
