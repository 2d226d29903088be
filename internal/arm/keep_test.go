package arm

import (
	"encoding/json"
	"reflect"
	"testing"
)

func jsonEqual(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestOverlayKeepsWhatTheModelDoesNotHold(t *testing.T) {
	sent := Sent([]byte(`{"id":"x","location":"West US 2","properties":{"provisioningState":"Bogus",
		"EnableRBAC":true,"autoScalerProfile":{"scan-interval":"20s"},
		"servicePrincipalProfile":{"clientId":"c","secret":"s"},
		"agentPoolProfiles":[{"name":"np1","count":3,"upgradeSettings":{"maxSurge":"33%"}},{"name":"np2","scaleSetPriority":"Spot"}]}}`))
	model := json.RawMessage(`{"id":"/real","location":"westus2","properties":{"provisioningState":"Succeeded","enableRBAC":true,
		"servicePrincipalProfile":{"clientId":"c"},
		"agentPoolProfiles":[{"name":"NP2","count":1},{"name":"np1","count":3}]}}`)
	jsonEqual(t, Overlay(sent, model), `{"id":"/real","location":"westus2","properties":{"provisioningState":"Succeeded","enableRBAC":true,
		"autoScalerProfile":{"scan-interval":"20s"},
		"servicePrincipalProfile":{"clientId":"c"},
		"agentPoolProfiles":[{"name":"NP2","count":1,"scaleSetPriority":"Spot"},{"name":"np1","count":3,"upgradeSettings":{"maxSurge":"33%"}}]}}`)
}

func TestOverlayArraysByPosition(t *testing.T) {
	sent := json.RawMessage(`{"a":[{"x":1,"k":"kept"},{"x":2}],"b":[{"x":1,"k":"lost"}],"c":["s1","s2"]}`)
	model := json.RawMessage(`{"a":[{"x":10},{"x":20}],"b":[{"x":1},{"x":2}],"c":["m1"]}`)
	jsonEqual(t, Overlay(sent, model), `{"a":[{"x":10,"k":"kept"},{"x":20}],"b":[{"x":1},{"x":2}],"c":["m1"]}`)
}

func TestSentOverDropsEchoedReadOnlyValues(t *testing.T) {
	prevSent := json.RawMessage(`{"properties":{"dnsPrefix":"p","autoScalerProfile":{"a":"1"},"agentPoolProfiles":[{"name":"np"}]}}`)
	prevModel := json.RawMessage(`{"properties":{"dnsPrefix":"p","fqdn":"p.hcp","powerState":{"code":"Running"},
		"agentPoolProfiles":[{"name":"np","nodeImageVersion":"v1"}]}}`)
	// A read-modify-write: the client sends back what it read, with one change.
	body := []byte(`{"properties":{"dnsPrefix":"p","fqdn":"p.hcp","powerState":{"code":"Running"},
		"autoScalerProfile":{"a":"2"},"newThing":1,"agentPoolProfiles":[{"name":"np","nodeImageVersion":"v1","maxPods":30}]}}`)
	jsonEqual(t, SentOver(body, prevSent, prevModel),
		`{"properties":{"dnsPrefix":"p","autoScalerProfile":{"a":"2"},"newThing":1,"agentPoolProfiles":[{"name":"np","maxPods":30}]}}`)
}

func TestMergeSentReplacesTags(t *testing.T) {
	got := MergeSent(json.RawMessage(`{"tags":{"a":"1","b":"2"},"properties":{"x":1,"y":2}}`),
		[]byte(`{"tags":{"c":"3"},"properties":{"y":null,"z":3}}`))
	jsonEqual(t, got, `{"tags":{"c":"3"},"properties":{"x":1,"z":3}}`)
}

func TestSentStripsSecretsEverywhere(t *testing.T) {
	got := Sent([]byte(`{"properties":{"osProfile":{"adminPassword":"p","customData":"c","adminUsername":"u"},
		"extensions":[{"protectedSettings":{"k":"v"},"settings":{}}]}}`))
	jsonEqual(t, got, `{"properties":{"osProfile":{"adminUsername":"u"},"extensions":[{"settings":{}}]}}`)
	if Sent([]byte(`[1]`)) != nil || Sent([]byte(`nope`)) != nil {
		t.Fatal("a body that is not an object keeps nothing")
	}
}
