package arm

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Nothing a client sends is lost: a resource's record keeps the body of
// the PUT that wrote it (Record.Sent), and what a client reads is that body
// overlaid with the provider's model (Overlay). The model wins for every
// property it knows, so its validation, normalisation, defaults and
// read-only values are what clients see; a property the model does not
// know is returned as it was sent.

// neverKept are property names whose values ARM never returns (secrets);
// they are dropped from the kept body wherever they appear.
var neverKept = map[string]bool{
	"secret": true, "adminpassword": true, "password": true, "customdata": true,
	"protectedsettings": true, "clientsecret": true,
}

// readOnlyTop are the top-level properties ARM computes; what a client
// sends for them is ignored.
var readOnlyTop = map[string]bool{"id": true, "name": true, "type": true, "etag": true, "systemdata": true}

// Sent is the part of a request body that a record keeps: the body without
// its secrets and read-only properties; nil when the body is not a JSON
// object.
func Sent(body []byte) json.RawMessage {
	v, ok := decodeAny(body)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for k := range m {
		if readOnlyTop[strings.ToLower(k)] {
			delete(m, k)
		}
	}
	if p, ok := m["properties"].(map[string]any); ok {
		for k := range p {
			if strings.EqualFold(k, "provisioningState") {
				delete(p, k)
			}
		}
	}
	out, err := json.Marshal(stripSecrets(m))
	if err != nil {
		return nil
	}
	return out
}

// SentOver is Sent(body) for a write over a resource whose last kept body
// was prevSent and whose model showed prevModel: what a client read and
// sends back unchanged in a read-modify-write (az's update, Terraform) is
// not its input where the model computed it, so every property that the
// model showed and the client had not sent is left out.
func SentOver(body []byte, prevSent, prevModel json.RawMessage) json.RawMessage {
	sent := Sent(body)
	if len(sent) == 0 || len(prevModel) == 0 {
		return sent
	}
	s, _ := decodeAny(sent)
	pm, ok := decodeAny(prevModel)
	if !ok {
		return sent
	}
	var ps any = map[string]any{}
	if len(prevSent) > 0 {
		if v, ok := decodeAny(prevSent); ok {
			ps = v
		}
	}
	out, err := json.Marshal(prune(s, pm, ps))
	if err != nil {
		return sent
	}
	return out
}

// prune drops from sent what prevModel held and prevSent did not.
func prune(sent, prevModel, prevSent any) any {
	switch sv := sent.(type) {
	case map[string]any:
		pm, _ := prevModel.(map[string]any)
		ps, _ := prevSent.(map[string]any)
		for k, v := range sv {
			mk := keyFold(pm, k)
			if mk == "" {
				continue
			}
			sk := keyFold(ps, k)
			if sk == "" {
				delete(sv, k)
				continue
			}
			sv[k] = prune(v, pm[mk], ps[sk])
		}
		return sv
	case []any:
		pm, _ := prevModel.([]any)
		ps, _ := prevSent.([]any)
		for i, e := range sv {
			sv[i] = prune(e, matchElement(pm, e, i, len(sv)), matchElement(ps, e, i, len(sv)))
		}
		return sv
	default:
		return sent
	}
}

// matchElement is the element of arr that corresponds to e, the i-th of
// an array of n: the one of the same name, or the i-th when neither has a
// name and the arrays have the same length.
func matchElement(arr []any, e any, i, n int) any {
	if name := elementName(e); name != "" {
		for _, a := range arr {
			if elementName(a) == name {
				return a
			}
		}
		return nil
	}
	if len(arr) == n && elementName(arr[i]) == "" {
		return arr[i]
	}
	return nil
}

// MergeSent applies a PATCH body to a kept body as a JSON merge patch
// (RFC 7386), except that tags are replaced, as ARM's update of tags does.
func MergeSent(kept json.RawMessage, patch []byte) json.RawMessage {
	p, ok := decodeAny(patch)
	pm, isObj := p.(map[string]any)
	if !ok || !isObj {
		return kept
	}
	base := map[string]any{}
	if v, ok := decodeAny(kept); ok {
		if m, ok := v.(map[string]any); ok {
			base = m
		}
	}
	if tags, ok := pm["tags"]; ok {
		base["tags"] = tags
		delete(pm, "tags")
	}
	out, err := json.Marshal(mergePatch(base, pm))
	if err != nil {
		return kept
	}
	return Sent(out)
}

func mergePatch(base, patch map[string]any) map[string]any {
	for k, pv := range patch {
		bk := keyFold(base, k)
		if pv == nil {
			delete(base, bk)
			continue
		}
		if pm, ok := pv.(map[string]any); ok {
			if bm, ok := base[bk].(map[string]any); ok {
				delete(base, bk)
				base[k] = mergePatch(bm, pm)
				continue
			}
		}
		delete(base, bk)
		base[k] = pv
	}
	return base
}

// Overlay is the body a client sees: model, with whatever of sent it does
// not hold. Objects merge key by key (names compared without case, the
// model's spelling kept); arrays of objects merge element by element,
// matched by "name" or, failing that, by position when both have the same
// length; the model decides which elements an array has. Anything else is
// the model's.
func Overlay(sent, model json.RawMessage) json.RawMessage {
	if len(sent) == 0 || len(model) == 0 {
		return model
	}
	s, ok1 := decodeAny(sent)
	m, ok2 := decodeAny(model)
	if !ok1 || !ok2 {
		return model
	}
	out, err := json.Marshal(overlay(s, m))
	if err != nil {
		return model
	}
	return out
}

func overlay(sent, model any) any {
	switch mv := model.(type) {
	case map[string]any:
		sv, ok := sent.(map[string]any)
		if !ok {
			return mv
		}
		for k, v := range sv {
			mk := keyFold(mv, k)
			if mk == "" {
				mv[k] = v
				continue
			}
			mv[mk] = overlay(v, mv[mk])
		}
		return mv
	case []any:
		sv, ok := sent.([]any)
		if !ok {
			return mv
		}
		for i, e := range mv {
			if se := matchElement(sv, e, i, len(mv)); se != nil {
				mv[i] = overlay(se, e)
			}
		}
		return mv
	default:
		return model
	}
}

// elementName is the lower-cased "name" of an array element, if any.
func elementName(e any) string {
	m, ok := e.(map[string]any)
	if !ok {
		return ""
	}
	n, _ := m[keyFold(m, "name")].(string)
	return strings.ToLower(n)
}

// keyFold is the key of m equal to k without case, or "".
func keyFold(m map[string]any, k string) string {
	if _, ok := m[k]; ok {
		return k
	}
	for mk := range m {
		if strings.EqualFold(mk, k) {
			return mk
		}
	}
	return ""
}

func stripSecrets(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if neverKept[strings.ToLower(k)] {
				delete(t, k)
				continue
			}
			t[k] = stripSecrets(e)
		}
	case []any:
		for i, e := range t {
			t[i] = stripSecrets(e)
		}
	}
	return v
}

func decodeAny(data []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}
