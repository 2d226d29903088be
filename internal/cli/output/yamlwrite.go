package output

// The scalar writers below fold long scalars at spaces once the column
// passes 80, exactly where PyYAML's emitter does.

// writeBreaks writes a run of line breaks inside a scalar; a leading \n is
// doubled because a single one would fold into a space.
func (e *yamlEmitter) writeBreaks(run []rune) {
	if run[0] == '\n' {
		e.writeLineBreak("\n")
	}
	for _, br := range run {
		e.writeLineBreak(string(br))
	}
	e.writeIndent()
}

func (e *yamlEmitter) writePlain(text []rune, split, root bool) {
	if root {
		e.openEnded = true
	}
	if len(text) == 0 {
		return
	}
	if !e.whitespace {
		e.write([]rune{' '})
	}
	e.whitespace, e.indention = false, false
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		ch, more := rune(-1), end < len(text)
		if more {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split {
					e.writeIndent()
					e.whitespace, e.indention = false, false
				} else {
					e.write(text[start:end])
				}
				start = end
			}
		case breaks:
			if !isYAMLBreak(ch) {
				e.writeBreaks(text[start:end])
				e.whitespace, e.indention = false, false
				start = end
			}
		default:
			if !more || ch == ' ' || isYAMLBreak(ch) {
				e.write(text[start:end])
				start = end
			}
		}
		if more {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
}

func (e *yamlEmitter) writeSingleQuoted(text []rune, split bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		ch, more := rune(-1), end < len(text)
		if more {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split && start != 0 && end != len(text) {
					e.writeIndent()
				} else {
					e.write(text[start:end])
				}
				start = end
			}
		case breaks:
			if !isYAMLBreak(ch) {
				e.writeBreaks(text[start:end])
				start = end
			}
		default:
			if (!more || ch == ' ' || isYAMLBreak(ch) || ch == '\'') && start < end {
				e.write(text[start:end])
				start = end
			}
		}
		if ch == '\'' {
			e.write([]rune("''"))
			start = end + 1
		}
		if more {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

func (e *yamlEmitter) writeDoubleQuoted(text []rune, split bool) {
	e.writeIndicator("\"", true, false, false)
	start := 0
	for end := 0; end <= len(text); end++ {
		ch, more := rune(-1), end < len(text)
		if more {
			ch = text[end]
		}
		if !more || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xfeff ||
			!((ch >= 0x20 && ch <= 0x7e) || (ch >= 0xa0 && ch <= 0xd7ff) || (ch >= 0xe000 && ch <= 0xfffd)) {
			if start < end {
				e.write(text[start:end])
				start = end
			}
			if more {
				e.write([]rune(yamlEscape(ch)))
				start = end + 1
			}
		}
		if end > 0 && end < len(text)-1 && (ch == ' ' || start >= end) &&
			e.column+(end-start) > yamlBestWidth && split {
			data := []rune{'\\'}
			if start < end {
				data = append(append([]rune{}, text[start:end]...), '\\')
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.whitespace, e.indention = false, false
			if text[start] == ' ' {
				e.write([]rune{'\\'})
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}
