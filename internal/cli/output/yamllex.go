package output

import "strings"

// yamlLexer follows pygments' YamlLexer (a state machine of regular
// expressions with an indentation context) over the YAML az emits, so the
// colors land where az puts them. Its states are the lexer's; rules for
// the %YAML and %TAG directives, which cannot occur in what PyYAML emits,
// are left out.
type yamlLexer struct {
	text        []rune
	pos         int
	stack       []string
	indentStack []int
	indent      int
	nextIndent  int
	blockIndent int // indentation of a block scalar's content; 0 if unknown
	out         []token
}

// colorYAML highlights az's YAML text like pygments' YamlLexer.
func colorYAML(text string) string {
	l := &yamlLexer{text: []rune(lexerInput(text)), stack: []string{"root"}, indent: -1}
	l.run()
	return terminalFormat(l.out)
}

func (l *yamlLexer) run() {
	for {
		if l.step(l.stack[len(l.stack)-1]) {
			continue
		}
		if l.pos >= len(l.text) {
			return
		}
		if l.text[l.pos] == '\n' {
			l.stack = []string{"root"}
			l.emit(tokPlain, 1)
			continue
		}
		l.emit(tokError, 1)
	}
}

// emit produces a token of the next n characters.
func (l *yamlLexer) emit(kind tokenKind, n int) {
	if n > 0 {
		l.out = append(l.out, token{kind, string(l.text[l.pos : l.pos+n])})
	}
	l.pos += n
}

func (l *yamlLexer) push(states ...string) { l.stack = append(l.stack, states...) }

func (l *yamlLexer) pop(n int) {
	if n >= len(l.stack) {
		l.stack = l.stack[:1]
	} else {
		l.stack = l.stack[:len(l.stack)-n]
	}
}

func (l *yamlLexer) at(p int) rune {
	if p < len(l.text) {
		return l.text[p]
	}
	return -1
}

func (l *yamlLexer) eol(p int) bool { return p >= len(l.text) || l.text[p] == '\n' }
func (l *yamlLexer) bol(p int) bool { return p == 0 || l.text[p-1] == '\n' }

// run counts the characters from p on that satisfy ok.
func (l *yamlLexer) run1(p int, ok func(rune) bool) int {
	n := 0
	for p+n < len(l.text) && ok(l.text[p+n]) {
		n++
	}
	return n
}

func (l *yamlLexer) spaces(p int) int { return l.run1(p, func(r rune) bool { return r == ' ' }) }
func (l *yamlLexer) newlines(p int) int {
	return l.run1(p, func(r rune) bool { return r == '\n' })
}

// setIndent is the lexer's set_indent callback.
func (l *yamlLexer) setIndent(n int, implicit bool) {
	if l.indent < l.nextIndent {
		l.indentStack = append(l.indentStack, l.indent)
		l.indent = l.nextIndent
	}
	if !implicit {
		l.nextIndent += n
	}
	l.emit(tokPlain, n)
}

// saveIndentStart is save_indent(start=True) for a line's leading spaces.
func (l *yamlLexer) saveIndentStart(n int) {
	l.nextIndent = n
	extra := 0
	if l.nextIndent < l.indent {
		for l.nextIndent < l.indent {
			l.indent = l.indentStack[len(l.indentStack)-1]
			l.indentStack = l.indentStack[:len(l.indentStack)-1]
		}
		if l.nextIndent > l.indent {
			extra = n - l.indent
			n = l.indent
		}
	}
	l.emit(tokWhitespace, n)
	l.emit(tokWhitespace, extra)
}

// step tries the rules of one state in order; false when none matched.
func (l *yamlLexer) step(state string) bool {
	p := l.pos
	sp := l.spaces(p)
	switch state {
	case "root":
		switch {
		case sp > 0 && (l.at(p+sp) == '#' || l.eol(p+sp)):
			l.emit(tokWhitespace, sp)
		case l.newlines(p) > 0:
			l.emit(tokWhitespace, l.newlines(p))
		case l.at(p) == '#':
			l.emit(tokWhitespace, l.run1(p, func(r rune) bool { return r != '\n' }))
		case l.bol(p) && l.docMarker(p):
			l.indentStack, l.indent, l.nextIndent, l.blockIndent = nil, -1, 0, 0
			l.emit(tokNamespace, 3)
			l.push("block-line")
		case p+sp < len(l.text) && !pyIsSpace(l.text[p+sp]):
			l.saveIndentStart(sp)
			l.push("block-line", "indentation")
		default:
			return false
		}
	case "indentation":
		switch {
		case l.eol(p + sp):
			l.emit(tokWhitespace, sp)
			l.pop(2)
		case sp > 0 && isIndicator(l.at(p+sp)) && (l.at(p+sp+1) == ' ' || l.eol(p+sp+1)):
			l.nextIndent += sp
			l.emit(tokWhitespace, sp)
		case sp == 0 && isIndicator(l.at(p)) && (l.at(p+1) == ' ' || l.eol(p+1)):
			l.setIndent(1, false)
		default:
			l.nextIndent += sp
			l.emit(tokWhitespace, sp)
			l.pop(1)
		}
	case "block-line":
		return l.blockLine(p, sp)
	case "flow-sequence", "flow-mapping":
		return l.flowCollection(p, sp, state)
	case "plain-scalar-in-flow-context":
		return l.flowPlainScalar(p, sp)
	case "single-quoted-scalar", "double-quoted-scalar":
		return l.quoted(p, sp, state == "double-quoted-scalar")
	case "block-scalar-header":
		return l.blockScalarHeader(p)
	case "block-scalar-content":
		return l.blockScalarContent(p, sp)
	case "ignored-line":
		switch {
		case sp > 0 && (l.at(p+sp) == '#' || l.eol(p+sp)):
			l.emit(tokWhitespace, sp)
		case l.at(p) == '#':
			l.emit(tokWhitespace, l.run1(p, func(r rune) bool { return r != '\n' }))
		case l.at(p) == '\n':
			l.emit(tokWhitespace, 1)
			l.pop(2)
		default:
			return false
		}
	case "plain-scalar-in-block-context":
		return l.plainScalar(p, sp)
	case "plain-scalar-in-block-context-new-line":
		switch {
		case l.bol(p) && sp > 0 && l.eol(p+sp):
			l.emit(tokWhitespace, sp)
		case l.newlines(p) > 0:
			l.emit(tokWhitespace, l.newlines(p))
		case l.bol(p) && (strings.HasPrefix(string(l.text[p:min(p+3, len(l.text))]), "---") ||
			strings.HasPrefix(string(l.text[p:min(p+3, len(l.text))]), "...")):
			l.pop(3)
		case l.bol(p):
			if sp <= l.indent {
				l.pop(2)
			} else {
				l.emit(tokWhitespace, sp)
			}
			l.pop(1)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

func isIndicator(r rune) bool { return r == '?' || r == ':' || r == '-' }

// docMarker matches ^(?:---|\.\.\.)(?=[ ]|$) at p.
func (l *yamlLexer) docMarker(p int) bool {
	if p+3 > len(l.text) {
		return false
	}
	s := string(l.text[p : p+3])
	return (s == "---" || s == "...") && (l.at(p+3) == ' ' || l.eol(p+3))
}
