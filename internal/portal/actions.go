package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// action is a form's write: it calls ARM and returns the view to show
// next ("" for the same one), or the page to go to ("/portal/..."). A
// *armError it returns is shown on the form's page with what was typed.
type action func(rq *request, id resID) (string, error)

var actions = map[string]action{
	"delete":           deleteResource,
	"tags":             setTags,
	"addlink":          addLink,
	"addrecord":        addRecord,
	"start":            power("start"),
	"stop":             power("stop"),
	"scale":            scalePool,
	"registerfeature":  registerFeature,
	"registerprovider": registerProvider,
	"creategroup":      createGroup,
	"reviewcluster":    reviewCluster,
	"createcluster":    createCluster,
	"createvnet":       createVNet,
	"createvm":         createVM,
	"addpeering":       addPeering,
	"runcommand":       runCommand,
	"checkconnection":  checkConnection,
}

func (p *Portal) act(rq *request) {
	id, err := parseID(rq.r.PathValue("id"))
	if err != nil {
		rq.fail(&armError{Status: http.StatusBadRequest, Code: "InvalidResourceId", Message: err.Error()})
		return
	}
	name := rq.r.PostFormValue("action")
	do := actions[name]
	if do == nil {
		rq.fail(&armError{Status: http.StatusBadRequest, Code: "InvalidAction", Message: fmt.Sprintf("The portal has no action '%s'.", name)})
		return
	}
	view := rq.r.PostFormValue("view")
	next, err := do(rq, id)
	if err != nil {
		ae, ok := err.(*armError)
		if !ok {
			ae = &armError{Status: http.StatusInternalServerError, Code: "PortalError", Message: err.Error()}
		}
		// Show the form again, as it was filled, with ARM's answer.
		q := url.Values{}
		for k, v := range rq.r.PostForm {
			if k != "csrf" {
				q[k] = v
			}
		}
		rq.r.URL.RawQuery = q.Encode()
		rq.showBlade(id, ae)
		return
	}
	switch {
	case strings.HasPrefix(next, "/portal/"):
		http.Redirect(rq.w, rq.r, next, http.StatusSeeOther)
	default:
		if next != "" {
			view = next
		}
		back := url.Values{"view": {view}}
		if f := rq.r.PostFormValue("filter"); f != "" {
			back.Set("filter", f)
		}
		http.Redirect(rq.w, rq.r, portalURL(id.String())+"?"+back.Encode(), http.StatusSeeOther)
	}
}

// invalid is a form error found before anything is sent, worded as ARM's.
func invalid(format string, a ...any) error {
	return &armError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: fmt.Sprintf(format, a...)}
}

// write sends one write and records it as a notification.
func (rq *request) write(title, link, method, path, apiVersion string, body any, headers ...string) error {
	a, err := rq.arm.call(method, path, apiVersion, body, headers...)
	if ae, ok := err.(*armError); ok {
		rq.ss.noteFor(title, link, a, err)
		return ae
	}
	if err != nil {
		return err
	}
	rq.ss.noteFor(title, link, a, nil)
	return nil
}

func (rq *request) versionOf(id resID) (string, error) {
	if id.Group == "" {
		return subscriptionsAPI, nil
	}
	return rq.arm.apiVersionOf(id.Sub, id.Type())
}

func deleteResource(rq *request, id resID) (string, error) {
	target := id
	if t := rq.r.PostFormValue("target"); t != "" {
		var err error
		if target, err = parseID(t); err != nil {
			return "", invalid("%s", err.Error())
		}
	}
	if target.Group == "" {
		return "", invalid("A subscription cannot be deleted here.")
	}
	v, err := rq.versionOf(target)
	if err != nil {
		return "", err
	}
	if err := rq.write("Deleting "+target.Name(), portalURL(target.String()), http.MethodDelete, target.String(), v, nil); err != nil {
		return "", err
	}
	if target.String() != id.String() {
		return "", nil
	}
	if target.NS == "" {
		return portalURL("subscriptions/" + target.Sub), nil
	}
	return portalURL(target.GroupID()), nil
}

func setTags(rq *request, id resID) (string, error) {
	names, values := rq.r.PostForm["tagName"], rq.r.PostForm["tagValue"]
	tags := map[string]string{}
	for i, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if len(n) > 512 || strings.ContainsAny(n, "<>%&\\?/") {
			return "", invalid("The tag name '%s' is not valid: names have at most 512 characters and none of <, >, %%, &, \\, ?, /.", n)
		}
		val := ""
		if i < len(values) {
			val = values[i]
		}
		if len(val) > 256 {
			return "", invalid("The value of tag '%s' has %d characters; a tag value has at most 256.", n, len(val))
		}
		tags[n] = val
	}
	v, err := rq.versionOf(id)
	if err != nil {
		return "", err
	}
	return "tags", rq.write("Updating the tags of "+id.Name(), portalURL(id.String()), http.MethodPatch, id.String(), v, map[string]any{"tags": tags})
}

// linkName is what Azure accepts as a virtual network link's name.
var linkName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9]$`)

func addLink(rq *request, zone resID) (string, error) {
	name := strings.TrimSpace(rq.r.PostFormValue("linkName"))
	vnet := rq.r.PostFormValue("virtualNetwork")
	switch {
	case name == "":
		return "", invalid("Link name is required.")
	case !linkName.MatchString(name):
		return "", invalid("The link name '%s' is not valid: use 1 to 80 letters, digits, '-', '_' and '.', starting with a letter or digit and ending with a letter, digit or '_'.", name)
	case vnet == "":
		return "", invalid("Virtual network is required: pick the virtual network to link to the zone.")
	}
	link := zone.Child("virtualNetworkLinks", name)
	v, err := rq.versionOf(link)
	if err != nil {
		return "", err
	}
	body := map[string]any{"location": "global", "properties": map[string]any{
		"virtualNetwork":      map[string]string{"id": vnet},
		"registrationEnabled": rq.r.PostFormValue("autoRegistration") == "on"}}
	return "links", rq.write("Creating virtual network link "+name, portalURL(zone.String())+"?view=links", http.MethodPut, link.String(), v, body)
}

// recordName is what a private DNS record set may be named.
var recordName = regexp.MustCompile(`^(@|(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*|\*)$`)

func addRecord(rq *request, zone resID) (string, error) {
	name := strings.TrimSpace(rq.r.PostFormValue("recordName"))
	ttl, err := strconv.Atoi(strings.TrimSpace(prefill(rq.r.PostForm, "ttl", "3600")))
	if err != nil || ttl < 0 || ttl > 2147483647 {
		return "", invalid("TTL '%s' is not valid: give a whole number of seconds from 0 to 2147483647.", rq.r.PostFormValue("ttl"))
	}
	var recs []map[string]string
	for _, ip := range strings.Split(rq.r.PostFormValue("ipv4"), ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			recs = append(recs, map[string]string{"ipv4Address": ip})
		}
	}
	switch {
	case name == "":
		return "", invalid("Name is required: the record set's name relative to the zone, or @ for the apex.")
	case !recordName.MatchString(name):
		return "", invalid("The record set name '%s' is not valid: use letters, digits, '-', '_' and '.' (labels of at most 63), '*' as the first label, or @ for the apex.", name)
	case len(recs) == 0:
		return "", invalid("IP address is required: one IPv4 address, or several separated by commas.")
	}
	rs := zone.Child("A", name)
	v, err := rq.arm.apiVersionOf(zone.Sub, zone.Type())
	if err != nil {
		return "", err
	}
	body := map[string]any{"properties": map[string]any{"ttl": ttl, "aRecords": recs}}
	return "recordsets", rq.write("Saving record set "+name, portalURL(zone.String())+"?view=recordsets", http.MethodPut, rs.String(), v, body)
}

// power starts or stops a managed cluster or a VM.
func power(to string) action {
	return func(rq *request, id resID) (string, error) {
		verb := to
		if to == "stop" && id.is("Microsoft.Compute/virtualMachines") {
			verb = "powerOff"
		}
		v, err := rq.versionOf(id)
		if err != nil {
			return "", err
		}
		title := map[string]string{"start": "Starting ", "stop": "Stopping "}[to] + id.Name()
		return "", rq.write(title, portalURL(id.String()), http.MethodPost, id.String()+"/"+verb, v, nil)
	}
}

func scalePool(rq *request, id resID) (string, error) {
	pool, err := parseID(rq.r.PostFormValue("target"))
	if err != nil {
		return "", invalid("%s", err.Error())
	}
	n, err := strconv.Atoi(strings.TrimSpace(rq.r.PostFormValue("count")))
	if err != nil || n < 0 || n > 1000 {
		return "", invalid("Node count '%s' is not valid: give a whole number from 0 to 1000.", rq.r.PostFormValue("count"))
	}
	v, err := rq.versionOf(pool)
	if err != nil {
		return "", err
	}
	doc, err := rq.arm.get(pool.String(), v)
	if err != nil {
		return "", err
	}
	props, _ := doc["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props["count"] = n
	body := map[string]any{"properties": props}
	return "nodepools", rq.write(fmt.Sprintf("Scaling %s to %d nodes", pool.Name(), n), portalURL(id.String())+"?view=nodepools",
		http.MethodPut, pool.String(), v, body)
}

func registerFeature(rq *request, sub resID) (string, error) {
	f := rq.r.PostFormValue("target")
	ns, name, ok := strings.Cut(f, "/")
	if !ok || ns == "" || name == "" {
		return "", invalid("The feature '%s' is not valid: name it as Namespace/FeatureName.", f)
	}
	path := "/subscriptions/" + sub.Sub + "/providers/Microsoft.Features/providers/" + ns + "/features/" + name + "/register"
	return "features", rq.write("Registering "+f, portalURL("subscriptions/"+sub.Sub)+"?view=features", http.MethodPost, path, featuresAPI, nil)
}

func registerProvider(rq *request, sub resID) (string, error) {
	ns := rq.r.PostFormValue("target")
	if ns == "" {
		return "", invalid("Name the resource provider namespace to register, e.g. Microsoft.ContainerService.")
	}
	return "providers", rq.write("Registering "+ns, portalURL("subscriptions/"+sub.Sub)+"?view=providers",
		http.MethodPost, "/subscriptions/"+sub.Sub+"/providers/"+ns+"/register", resourcesAPI, nil)
}

func createGroup(rq *request, sub resID) (string, error) {
	name, loc := strings.TrimSpace(rq.r.PostFormValue("groupName")), rq.r.PostFormValue("location")
	switch {
	case name == "":
		return "", invalid("Resource group name is required.")
	case loc == "":
		return "", invalid("Region is required: pick where the group's metadata is kept.")
	}
	g := resID{Sub: sub.Sub, Group: name}
	return "", rq.write("Creating resource group "+name, portalURL(g.String()), http.MethodPut, g.String(), resourcesAPI,
		map[string]any{"location": loc})
}
