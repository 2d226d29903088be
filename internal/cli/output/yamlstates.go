package output

import (
	"strings"
	"unicode"
)

// blockLine is the YamlLexer's "block-line" state: the content of a line
// after its indentation.
func (l *yamlLexer) blockLine(p, sp int) bool {
	switch {
	case l.at(p+sp) == '#' || l.eol(p+sp):
		l.emit(tokWhitespace, sp)
		l.pop(1)
	case sp > 0:
		l.emit(tokWhitespace, sp)
	case l.keyLength(p, "#,?[]{}\"'\n", true) > 0:
		l.emit(tokNameTag, l.keyLength(p, "#,?[]{}\"'\n", true))
		l.setIndent(1, true)
	case l.descriptor(p):
	case l.at(p) == ':' && (l.at(p+1) == ' ' || l.eol(p+1)):
		l.setIndent(1, true)
	case l.at(p) == '|' || l.at(p) == '>':
		l.emit(tokPlain, 1)
		l.push("block-scalar-content", "block-scalar-header")
	case l.flowNode(p):
	case l.startsPlain(p, "?:,[]{}#&*!|>'\"%@`-", true):
		l.push("plain-scalar-in-block-context")
	default:
		return false
	}
	return true
}

// keyLength matches ([^EXCLUDED]+)(:)(?=[ ]|$) at p and returns the length
// of the key, the longest one when colons may be part of it; 0 if none.
func (l *yamlLexer) keyLength(p int, excluded string, colons bool) int {
	run := l.run1(p, func(r rune) bool { return !strings.ContainsRune(excluded, r) })
	for m := run; m >= 1; m-- {
		if l.at(p+m) == ':' && (l.at(p+m+1) == ' ' || l.eol(p+m+1)) {
			return m
		}
		if !colons {
			break
		}
	}
	return 0
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// descriptor matches a tag (Keyword.Type), an anchor (Name.Label, no
// color) or an alias (Name.Variable) at p.
func (l *yamlLexer) descriptor(p int) bool {
	tagChar := func(r rune) bool { return isWordRune(r) || strings.ContainsRune("#;/?:@&=+$,.!~*'()[]%-", r) }
	word := func(r rune) bool { return isWordRune(r) || r == '-' }
	switch l.at(p) {
	case '!':
		if l.at(p+1) == '<' {
			if n := l.run1(p+2, tagChar); n > 0 && l.at(p+2+n) == '>' {
				l.emit(tokType, n+3)
				return true
			}
		}
		l.emit(tokType, 1+l.run1(p+1, tagChar))
	case '&':
		if n := l.run1(p+1, word); n > 0 {
			l.emit(tokPlain, n+1)
			return true
		}
		return false
	case '*':
		if n := l.run1(p+1, word); n > 0 {
			l.emit(tokVariable, n+1)
			return true
		}
		return false
	default:
		return false
	}
	return true
}

// flowNode opens a flow collection or a quoted scalar at p.
func (l *yamlLexer) flowNode(p int) bool {
	switch l.at(p) {
	case '[':
		l.emit(tokPlain, 1)
		l.push("flow-sequence")
	case '{':
		l.emit(tokPlain, 1)
		l.push("flow-mapping")
	case '\'':
		l.emit(tokString, 1)
		l.push("single-quoted-scalar")
	case '"':
		l.emit(tokString, 1)
		l.push("double-quoted-scalar")
	default:
		return false
	}
	return true
}

// startsPlain is the lookahead that starts a plain scalar: a character not
// in excluded, or (in block context) an indicator followed by a non-space.
func (l *yamlLexer) startsPlain(p int, excluded string, block bool) bool {
	r := l.at(p)
	if r < 0 {
		return false
	}
	if !pyIsSpace(r) && !strings.ContainsRune(excluded, r) {
		return true
	}
	next := l.at(p + 1)
	return block && isIndicator(r) && next >= 0 && !pyIsSpace(next)
}

// flowCollection covers "flow-sequence" and "flow-mapping".
func (l *yamlLexer) flowCollection(p, sp int, state string) bool {
	closer := ']'
	if state == "flow-mapping" {
		closer = '}'
		if n := l.keyLength(p, ",:?[]{}\"'\n", false); n > 0 {
			l.emit(tokNameTag, n)
			l.emit(tokPlain, 1)
			return true
		}
	}
	switch {
	case sp > 0:
		l.emit(tokWhitespace, sp)
	case l.newlines(p) > 0:
		l.emit(tokWhitespace, l.newlines(p))
	case l.at(p) == '#':
		l.emit(tokWhitespace, l.run1(p, func(r rune) bool { return r != '\n' }))
	case l.at(p) == '?' || l.at(p) == ':' || l.at(p) == ',':
		l.emit(tokPlain, 1)
	case l.descriptor(p):
	case l.flowNode(p):
	case l.startsPlain(p, "?:,[]{}#&*!|>'\"%@`", false):
		l.push("plain-scalar-in-flow-context")
	case l.at(p) == closer:
		l.emit(tokPlain, 1)
		l.pop(1)
	default:
		return false
	}
	return true
}

// flowPlainScalar is "plain-scalar-in-flow-context"; its text is
// Name.Variable.
func (l *yamlLexer) flowPlainScalar(p, sp int) bool {
	switch {
	case strings.ContainsRune(",:?[]{}", l.at(p+sp)) && l.at(p+sp) >= 0:
		l.emit(tokWhitespace, sp)
		l.pop(1)
	case sp > 0 && l.at(p+sp) == '#':
		l.emit(tokWhitespace, sp)
		l.pop(1)
	case sp > 0 && (l.bol(p) || l.eol(p+sp)):
		l.emit(tokWhitespace, sp)
	case l.newlines(p) > 0:
		l.emit(tokWhitespace, l.newlines(p))
	case sp > 0:
		l.emit(tokVariable, sp)
	default:
		n := l.run1(p, func(r rune) bool { return !pyIsSpace(r) && !strings.ContainsRune(",:?[]{}", r) })
		if n == 0 {
			return false
		}
		l.emit(tokVariable, n)
	}
	return true
}
