package output

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// ANSI color codes and terminal hyperlinks, which tabulate leaves out when
// measuring a cell.
var (
	ansiLink  = regexp.MustCompile(`\x1b]8;[a-zA-Z0-9:]*;[^\x1b]+\x1b\\([^\x1b]+)\x1b]8;;\x1b\\`)
	ansiCodes = regexp.MustCompile(`\x1b\[\d+[;\d]*m|\x1b\[\d*;\d*;\d*m|\x1b\]8;;(.*?)\x1b\\`)
)

// table is the input of tabulate(rows, headers="keys", tablefmt="simple",
// disable_numparse=True): every column is left aligned text.
type table struct {
	headers   []string
	cells     [][]string
	multiline bool // some header or cell holds \r or \n
	invisible bool // some header or cell holds ANSI codes
}

// layout renders the table: columns at least two wider than their header,
// cells stripped, columns joined by two spaces, lines right-trimmed, a
// dashed line under the headers. A table without columns is empty.
func (t *table) layout() string {
	if len(t.headers) == 0 {
		return ""
	}
	for _, h := range t.headers {
		t.scan(h)
	}
	for _, row := range t.cells {
		for _, s := range row {
			t.scan(s)
		}
	}
	widths := make([]int, len(t.headers))
	for j, h := range t.headers {
		widths[j] = t.width(h) + 2
		for _, row := range t.cells {
			row[j] = pyStrip(row[j])
			for _, piece := range t.pieces(row[j]) {
				widths[j] = max(widths[j], visibleWidth(piece))
			}
		}
		colWidth := widths[j]
		for _, row := range t.cells {
			row[j] = t.pad(row[j], colWidth)
			widths[j] = max(widths[j], t.width(row[j]))
		}
	}
	headers := make([]string, len(t.headers))
	for j, h := range t.headers {
		parts := t.pieces(h)
		for k := range parts {
			parts[k] = padRight(parts[k], widths[j])
		}
		headers[j] = strings.Join(parts, "\n")
	}
	lines := t.appendRow(nil, headers, widths)
	dashes := make([]string, len(widths))
	for j, w := range widths {
		dashes[j] = strings.Repeat("-", w)
	}
	lines = append(lines, joinRow(dashes))
	for _, row := range t.cells {
		lines = t.appendRow(lines, row, widths)
	}
	return strings.Join(lines, "\n")
}

func (t *table) scan(s string) {
	t.multiline = t.multiline || strings.ContainsAny(s, "\r\n")
	t.invisible = t.invisible || ansiCodes.MatchString(s) || ansiLink.MatchString(s)
}

// pieces are the parts of a cell that are measured: its \r/\n separated
// lines in multiline mode, else the whole cell.
func (t *table) pieces(s string) []string {
	if t.multiline {
		return splitCR(s)
	}
	return []string{s}
}

// width is a cell's width; in multiline mode that of its widest line.
func (t *table) width(s string) int {
	w := 0
	for _, piece := range t.pieces(s) {
		w = max(w, visibleWidth(piece))
	}
	return w
}

// pad left-aligns a stripped cell in a column of the given width. In
// multiline mode each of its splitlines() lines is padded; with ANSI codes
// around, tabulate pairs those lines with the \r/\n pieces it measured,
// drops unpaired lines and pads each line for its partner's codes.
func (t *table) pad(s string, width int) string {
	if !t.multiline {
		return padRight(s, width)
	}
	lines := pyLines(s)
	if !t.invisible {
		for k := range lines {
			lines[k] = padRight(lines[k], width)
		}
		return strings.Join(lines, "\n")
	}
	pieces := splitCR(s)
	lines = lines[:min(len(lines), len(pieces))]
	for k, line := range lines {
		target := width + utf8.RuneCountInString(pieces[k]) - visibleWidth(pieces[k])
		if n := target - utf8.RuneCountInString(line); n > 0 {
			lines[k] = line + strings.Repeat(" ", n)
		}
	}
	return strings.Join(lines, "\n")
}

// appendRow adds one row of padded cells; in multiline mode a row spans as
// many lines as its tallest cell, shorter cells filled with blank lines.
func (t *table) appendRow(lines, row []string, widths []int) []string {
	if !t.multiline {
		return append(lines, joinRow(row))
	}
	split := make([][]string, len(row))
	height := 0
	for j, c := range row {
		split[j] = pyLines(c)
		height = max(height, len(split[j]))
	}
	for k := 0; k < height; k++ {
		line := make([]string, len(row))
		for j := range row {
			if k < len(split[j]) {
				line[j] = split[j][k]
			} else {
				line[j] = strings.Repeat(" ", widths[j])
			}
		}
		lines = append(lines, joinRow(line))
	}
	return lines
}

// visibleWidth counts code points, leaving out ANSI color codes and links.
func visibleWidth(s string) int {
	s = ansiLink.ReplaceAllString(s, "$1")
	return utf8.RuneCountInString(ansiCodes.ReplaceAllString(s, ""))
}

func padRight(s string, width int) string {
	if n := width - visibleWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

func joinRow(cells []string) string {
	return strings.TrimRightFunc(strings.Join(cells, "  "), pyIsSpace)
}
