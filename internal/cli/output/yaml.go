package output

import (
	"encoding/json"
	"strings"
)

// yamlEmitter writes block YAML the way PyYAML's safe_dump does with
// default_flow_style=False and allow_unicode=True, which is what az uses:
// 2-space indentation, sequences inside mappings not indented, empty
// collections as [] and {}, lines wrapped near column 80, keys sorted.
type yamlEmitter struct {
	b          strings.Builder
	column     int
	whitespace bool // the last character written was whitespace
	indention  bool // only indentation was written on this line so far
	openEnded  bool // the document needs an explicit "..." end
	indent     int  // current indentation; noIndent before the first node
	indents    []int
	flowLevel  int
}

const (
	noIndent      = -1
	yamlBestWidth = 80
	yamlIndent    = 2
)

// nodeContext says where a node sits, like the emitter's *_context flags.
type nodeContext struct {
	root, mapping, simpleKey bool
}

// formatYAML renders v like az's yaml output (keys always sorted: knack
// falls back to plain dicts whenever a query made ordered ones).
func formatYAML(v any) string {
	e := &yamlEmitter{whitespace: true, indention: true, indent: noIndent}
	e.node(v, nodeContext{root: true})
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	return e.b.String()
}

func (e *yamlEmitter) node(v any, ctx nodeContext) {
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			e.emptyFlow("[", "]")
			return
		}
		indentless := ctx.mapping && !e.indention
		e.increaseIndent(false, indentless)
		for _, item := range t {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			e.node(item, nodeContext{})
		}
		e.popIndent()
	case map[string]any, Ordered:
		fields, _ := objectFields(t, true)
		if len(fields) == 0 {
			e.emptyFlow("{", "}")
			return
		}
		e.increaseIndent(false, false)
		for _, f := range fields {
			e.writeIndent()
			key := newYAMLScalar(f.Key)
			if key.simpleKeyOK() {
				e.scalar(key, nodeContext{mapping: true, simpleKey: true})
				e.writeIndicator(":", false, false, false)
			} else {
				e.writeIndicator("?", true, false, true)
				e.scalar(key, nodeContext{mapping: true})
				e.writeIndent()
				e.writeIndicator(":", true, false, true)
			}
			e.node(f.Value, nodeContext{mapping: true})
		}
		e.popIndent()
	default:
		e.scalar(yamlScalarOf(t), ctx)
	}
}

// yamlScalarOf is the representer: the text and resolution of a scalar.
func yamlScalarOf(v any) yamlScalar {
	switch t := v.(type) {
	case string:
		return newYAMLScalar(t)
	case nil:
		return plainYAMLScalar("null")
	case bool:
		if t {
			return plainYAMLScalar("true")
		}
		return plainYAMLScalar("false")
	case float64, json.Number:
		s, isFloat := numberText(t)
		if isFloat {
			s = strings.ToLower(s)
			if !strings.Contains(s, ".") && strings.Contains(s, "e") {
				s = strings.Replace(s, "e", ".0e", 1)
			}
			switch s {
			case "nan":
				s = ".nan"
			case "inf":
				s = ".inf"
			case "-inf":
				s = "-.inf"
			}
		}
		return plainYAMLScalar(s)
	}
	return newYAMLScalar(pyStr(v))
}

func (e *yamlEmitter) emptyFlow(open, close string) {
	e.writeIndicator(open, true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	e.popIndent()
	e.flowLevel--
	e.writeIndicator(close, false, false, false)
}

func (e *yamlEmitter) scalar(s yamlScalar, ctx nodeContext) {
	e.increaseIndent(true, false)
	split := !ctx.simpleKey
	switch s.style(ctx.simpleKey, e.flowLevel > 0) {
	case '"':
		e.writeDoubleQuoted(s.text, split)
	case '\'':
		e.writeSingleQuoted(s.text, split)
	default:
		e.writePlain(s.text, split, ctx.root)
	}
	e.popIndent()
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent == noIndent && flow:
		e.indent = yamlIndent
	case e.indent == noIndent:
		e.indent = 0
	case !indentless:
		e.indent += yamlIndent
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

// write appends text that is not an indicator, advancing the column.
func (e *yamlEmitter) write(text []rune) {
	e.column += len(text)
	e.b.WriteString(string(text))
}

func (e *yamlEmitter) writeIndicator(indicator string, needWhitespace, whitespace, indention bool) {
	data := indicator
	if !e.whitespace && needWhitespace {
		data = " " + indicator
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.openEnded = false
	e.write([]rune(data))
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak("\n")
	}
	if e.column < indent {
		e.whitespace = true
		e.b.WriteString(strings.Repeat(" ", indent-e.column))
		e.column = indent
	}
}

func (e *yamlEmitter) writeLineBreak(data string) {
	e.whitespace = true
	e.indention = true
	e.column = 0
	e.b.WriteString(data)
}
