package output

import (
	"fmt"
	"regexp"
	"strings"
)

// yamlImplicit matches the plain scalars YAML 1.1 (PyYAML's resolver) would
// read back as something other than a string: booleans, numbers, null,
// timestamps, "<<" and "=". Such strings must be quoted.
var yamlImplicit = regexp.MustCompile(`^(?:` +
	`yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF` +
	`|[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?` +
	`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
	`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
	`|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)` +
	`|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+` +
	`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+` +
	`|<<|~|null|Null|NULL|=|` +
	`[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]` +
	`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]` +
	`(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?` +
	`)$`)

// yamlScalar is a scalar with PyYAML's analysis of which styles suit it.
type yamlScalar struct {
	text          []rune
	implicitPlain bool // reads back as the same type when written plain
	empty         bool
	multiline     bool
	flowPlain     bool
	blockPlain    bool
	singleQuoted  bool
}

// plainYAMLScalar is a non-string scalar (null, bool, number): its text
// always resolves back to its own type.
func plainYAMLScalar(text string) yamlScalar {
	s := analyzeYAML(text)
	s.implicitPlain = true
	return s
}

func newYAMLScalar(text string) yamlScalar {
	s := analyzeYAML(text)
	s.implicitPlain = text != "" && !yamlImplicit.MatchString(text) // "" reads back as null
	return s
}

func isYAMLBreak(r rune) bool {
	return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029
}

func isYAMLSpace(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isYAMLBreak(r)
}

// isYAMLPrintable is the character set written as is (allow_unicode).
func isYAMLPrintable(r rune) bool {
	return r == '\n' || (r >= 0x20 && r <= 0x7e) ||
		((r == 0x85 || (r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) ||
			(r >= 0x10000 && r < 0x10ffff)) && r != 0xfeff)
}

// analyzeYAML is the emitter's analyze_scalar.
func analyzeYAML(text string) yamlScalar {
	s := yamlScalar{text: []rune(text)}
	rs := s.text
	if len(rs) == 0 {
		s.empty, s.blockPlain, s.singleQuoted = true, true, true
		return s
	}
	var blockInd, flowInd, breaks, special bool
	var leadSpace, leadBreak, trailSpace, trailBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") {
		blockInd, flowInd = true, true
	}
	preceded := true
	followed := len(rs) == 1 || isYAMLSpace(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				blockInd = blockInd || followed
			}
			if ch == '-' && followed {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				blockInd = blockInd || followed
			}
			if ch == '#' && preceded {
				flowInd, blockInd = true, true
			}
		}
		breaks = breaks || isYAMLBreak(ch)
		special = special || !isYAMLPrintable(ch)
		switch {
		case ch == ' ':
			leadSpace = leadSpace || i == 0
			trailSpace = trailSpace || i == len(rs)-1
			breakSpace = breakSpace || prevBreak
			prevSpace, prevBreak = true, false
		case isYAMLBreak(ch):
			leadBreak = leadBreak || i == 0
			trailBreak = trailBreak || i == len(rs)-1
			spaceBreak = spaceBreak || prevSpace
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isYAMLSpace(ch)
		followed = i+2 >= len(rs) || isYAMLSpace(rs[i+2])
	}
	s.multiline = breaks
	s.flowPlain, s.blockPlain, s.singleQuoted = true, true, true
	if leadSpace || leadBreak || trailSpace || trailBreak {
		s.flowPlain, s.blockPlain = false, false
	}
	if breakSpace {
		s.flowPlain, s.blockPlain, s.singleQuoted = false, false, false
	}
	if spaceBreak || special {
		s.flowPlain, s.blockPlain, s.singleQuoted = false, false, false
	}
	if breaks {
		s.flowPlain, s.blockPlain = false, false
	}
	if flowInd {
		s.flowPlain = false
	}
	if blockInd {
		s.blockPlain = false
	}
	return s
}

// simpleKeyOK is check_simple_key for a scalar key.
func (s yamlScalar) simpleKeyOK() bool {
	return len(s.text) < 128 && !s.empty && !s.multiline
}

// style is choose_scalar_style: 0 for plain, else the quote character.
func (s yamlScalar) style(simpleKey, flow bool) rune {
	if s.implicitPlain && !(simpleKey && (s.empty || s.multiline)) &&
		((flow && s.flowPlain) || (!flow && s.blockPlain)) {
		return 0
	}
	if s.singleQuoted && !(simpleKey && s.multiline) {
		return '\''
	}
	return '"'
}

// yamlEscapes are the short escapes of double-quoted scalars.
var yamlEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", '\t': "t", '\n': "n", 0x0b: "v", 0x0c: "f",
	'\r': "r", 0x1b: "e", '"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_",
	0x2028: "L", 0x2029: "P",
}

func yamlEscape(ch rune) string {
	if esc, ok := yamlEscapes[ch]; ok {
		return "\\" + esc
	}
	switch {
	case ch <= 0xff:
		return fmt.Sprintf("\\x%02X", ch)
	case ch <= 0xffff:
		return fmt.Sprintf("\\u%04X", ch)
	}
	return fmt.Sprintf("\\U%08X", ch)
}
