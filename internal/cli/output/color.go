package output

import (
	"strings"
)

// tokenKind is the subset of pygments token types the JSON and YAML lexers
// produce; each maps to the color pygments' TerminalFormatter (light
// background scheme, as az uses) gives it.
type tokenKind int

const (
	tokPlain      tokenKind = iota // Punctuation, Literal, Text: no color
	tokWhitespace                  // Whitespace and Comment: gray
	tokNameTag                     // object keys: bright blue
	tokString                      // strings: yellow
	tokNumber                      // Number and Keyword (true/false/null): blue
	tokVariable                    // Name.Variable, Name.Constant: red
	tokNamespace                   // Name.Namespace (YAML "---", "..."): underlined cyan
	tokType                        // Keyword.Type (YAML tags): cyan
	tokError                       // Error: underlined bright red
)

var tokenColors = map[tokenKind]string{
	tokWhitespace: "\x1b[37m",
	tokNameTag:    "\x1b[94m",
	tokString:     "\x1b[33m",
	tokNumber:     "\x1b[34m",
	tokVariable:   "\x1b[31m",
	tokNamespace:  "\x1b[04m\x1b[36m",
	tokType:       "\x1b[36m",
	tokError:      "\x1b[04m\x1b[91m",
}

const colorReset = "\x1b[39;49;00m"

type token struct {
	kind tokenKind
	text string
}

// terminalFormat is pygments' TerminalFormatter: every line of a token is
// wrapped in its color separately, so colors never span a newline.
func terminalFormat(tokens []token) string {
	var b strings.Builder
	for _, t := range tokens {
		color := tokenColors[t.kind]
		for _, line := range pyLinesKeepEnds(t.text) {
			body := strings.TrimRight(line, "\n")
			if color != "" {
				b.WriteString(color + body + colorReset)
			} else {
				b.WriteString(body)
			}
			if strings.HasSuffix(line, "\n") {
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

// lexerInput is pygments' preprocessing: newlines normalized, surrounding
// blank lines dropped and a final newline ensured.
func lexerInput(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Trim(text, "\n") + "\n"
}

// colorJSON highlights az's JSON text like pygments' JsonLexer.
func colorJSON(text string) string {
	return terminalFormat(lexJSON([]rune(lexerInput(text))))
}

// lexJSON is pygments' JsonLexer for well-formed JSON: strings are held
// back until the next significant character shows whether they are keys.
func lexJSON(text []rune) []token {
	var out, queue []token
	flush := func(asKeys bool) {
		for _, q := range queue {
			if asKeys && q.kind == tokString {
				q.kind = tokNameTag
			}
			out = append(out, q)
		}
		queue = queue[:0]
	}
	emit := func(kind tokenKind, s []rune, queued bool) {
		if queued && len(queue) > 0 {
			queue = append(queue, token{kind, string(s)})
		} else {
			out = append(out, token{kind, string(s)})
		}
	}
	for i := 0; i < len(text); {
		ch := text[i]
		j := i + 1
		switch {
		case ch == '"':
			for escaped := false; j < len(text); j++ {
				if escaped {
					escaped = false
				} else if text[j] == '\\' {
					escaped = true
				} else if text[j] == '"' {
					j++
					break
				}
			}
			queue = append(queue, token{tokString, string(text[i:j])})
		case strings.ContainsRune(" \n\r\t", ch):
			for j < len(text) && strings.ContainsRune(" \n\r\t", text[j]) {
				j++
			}
			emit(tokWhitespace, text[i:j], true)
		case strings.ContainsRune("-0123456789", ch):
			flush(false)
			for j < len(text) && strings.ContainsRune("-0123456789.eE+", text[j]) {
				j++
			}
			emit(tokNumber, text[i:j], false)
		case ch == 'f' || ch == 'n' || ch == 't':
			flush(false)
			for j < len(text) && strings.ContainsRune("truefalsenull", text[j]) {
				j++
			}
			emit(tokNumber, text[i:j], false)
		case ch == ':' || strings.ContainsRune("{}[],", ch):
			flush(ch == ':')
			for j < len(text) && strings.ContainsRune("{}[],", text[j]) {
				j++
			}
			emit(tokPlain, text[i:j], false)
		default:
			flush(false)
			emit(tokError, text[i:j], false)
		}
		i = j
	}
	flush(false)
	return out
}
