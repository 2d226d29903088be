package output

import "strings"

// plainScalar is "plain-scalar-in-block-context".
func (l *yamlLexer) plainScalar(p, sp int) bool {
	switch {
	case l.at(p+sp) == ':' && (l.at(p+sp+1) == ' ' || l.eol(p+sp+1)):
		l.emit(tokWhitespace, sp)
		l.pop(1)
	case sp > 0 && l.at(p+sp) == '#':
		l.emit(tokWhitespace, sp)
		l.pop(1)
	case sp > 0 && l.eol(p+sp):
		l.emit(tokWhitespace, sp)
	case l.newlines(p) > 0:
		l.emit(tokWhitespace, l.newlines(p))
		l.push("plain-scalar-in-block-context-new-line")
	case sp > 0:
		l.emit(tokPlain, sp)
	default:
		n := 0
		for r := l.at(p + n); r >= 0; r = l.at(p + n) {
			if r == ':' {
				if next := l.at(p + n + 1); next >= 0 && pyIsSpace(next) {
					break
				}
			} else if pyIsSpace(r) {
				break
			}
			n++
		}
		if n == 0 {
			return false
		}
		l.emit(tokPlain, n)
	}
	return true
}

// quoted is "single-quoted-scalar" and "double-quoted-scalar"; spaces
// inside the quotes come out as Name.Variable, as in pygments.
func (l *yamlLexer) quoted(p, sp int, double bool) bool {
	notSpecial := func(r rune) bool {
		if double {
			return !pyIsSpace(r) && r != '"' && r != '\\'
		}
		return !pyIsSpace(r) && r != '\''
	}
	switch {
	case sp > 0 && (l.bol(p) || l.eol(p+sp)):
		l.emit(tokWhitespace, sp)
	case l.newlines(p) > 0:
		l.emit(tokWhitespace, l.newlines(p))
	case sp > 0:
		l.emit(tokVariable, sp)
	case !double && l.at(p) == '\'' && l.at(p+1) == '\'':
		l.emit(tokString, 2)
	case double && l.at(p) == '\\' && l.at(p+1) >= 0 && strings.ContainsRune("0abt\tn\nvfre \"\\N_LP", l.at(p+1)):
		l.emit(tokString, 2)
	case double && l.at(p) == '\\' && l.hexEscape(p+1) > 0:
		l.emit(tokString, l.hexEscape(p+1)+1)
	case l.run1(p, notSpecial) > 0:
		l.emit(tokString, l.run1(p, notSpecial))
	case (double && l.at(p) == '"') || (!double && l.at(p) == '\''):
		l.emit(tokString, 1)
		l.pop(1)
	default:
		return false
	}
	return true
}

// hexEscape matches x.., u.... or U........ at p; it returns the length.
func (l *yamlLexer) hexEscape(p int) int {
	digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[l.at(p)]
	if digits == 0 {
		return 0
	}
	hex := l.run1(p+1, func(r rune) bool { return strings.ContainsRune("0123456789abcdefABCDEF", r) })
	if hex < digits {
		return 0
	}
	return digits + 1
}

// blockScalarHeader is "block-scalar-header": the indentation and chomping
// indicators after | or >.
func (l *yamlLexer) blockScalarHeader(p int) bool {
	isDigit := func(r rune) bool { return r >= '1' && r <= '9' }
	isChomp := func(r rune) bool { return r == '+' || r == '-' }
	ends := func(q int) bool { return l.at(q) == ' ' || l.eol(q) }
	n, increment := -1, rune(0)
	// ([1-9])?[+-]?(?=[ ]|$), then [+-]?([1-9])?(?=[ ]|$)
	for _, order := range [][2]func(rune) bool{{isDigit, isChomp}, {isChomp, isDigit}} {
		for _, first := range []int{1, 0} {
			for _, second := range []int{1, 0} {
				a, b := l.at(p), l.at(p+first)
				if (first == 1 && !order[0](a)) || (second == 1 && !order[1](b)) || !ends(p+first+second) {
					continue
				}
				if n < 0 {
					n = first + second
					if first == 1 && isDigit(a) {
						increment = a
					} else if second == 1 && isDigit(b) {
						increment = b
					}
				}
			}
		}
		if n >= 0 {
			break
		}
	}
	if n < 0 {
		return false
	}
	l.blockIndent = 0
	if n > 0 {
		if increment != 0 {
			l.blockIndent = max(l.indent, 0) + int(increment-'0')
		}
		l.emit(tokPlain, n)
	}
	l.push("ignored-line")
	return true
}

// blockScalarContent is "block-scalar-content" (Name.Constant text).
func (l *yamlLexer) blockScalarContent(p, sp int) bool {
	switch {
	case l.at(p) == '\n':
		l.emit(tokWhitespace, 1)
	case l.bol(p) && sp > 0 && l.eol(p+sp):
		if l.blockIndent == 0 || sp <= l.blockIndent {
			l.emit(tokWhitespace, sp)
		} else {
			l.emit(tokWhitespace, l.blockIndent)
			l.emit(tokVariable, sp-l.blockIndent)
		}
	case l.bol(p):
		if l.blockIndent == 0 {
			if sp <= max(l.indent, 0) {
				l.pop(2)
				return true
			}
			l.blockIndent = sp
		} else if sp < l.blockIndent {
			l.pop(2)
			return true
		}
		l.emit(tokWhitespace, sp)
	default:
		n := l.run1(p, func(r rune) bool { return r == '\t' || r == ' ' || !pyIsSpace(r) })
		if n == 0 {
			return false
		}
		l.emit(tokVariable, n)
	}
	return true
}
