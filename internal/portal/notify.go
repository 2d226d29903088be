package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// notification is a write the portal sent, shown until it ends and after:
// long-running ones are followed through ARM's operation status (or the
// Location of a 202) with the session's token, as Azure's portal does.
type notification struct {
	ID       int    `json:"id"`
	Title    string `json:"title"`
	Link     string `json:"link"`
	Status   string `json:"status"` // InProgress, Succeeded, Failed
	Message  string `json:"message,omitempty"`
	async    string // the Azure-AsyncOperation path, or ""
	location string // the Location path of a 202 without one, or ""
	started  time.Time
}

// noteView is a notification as a page shows it.
type noteView = notification

// maxNotes is how many notifications a session keeps.
const maxNotes = 8

// noteFor records a write's answer as a notification: ended already when
// the answer was final, followed otherwise.
func (ss *session) noteFor(title, link string, a *armAnswer, err error) {
	n := &notification{Title: title, Link: link, Status: "Succeeded", started: time.Now()}
	switch {
	case err != nil:
		n.Status, n.Message = "Failed", err.Error()
	case a.Header.Get("Azure-AsyncOperation") != "":
		n.Status, n.async = "InProgress", pathOf(a.Header.Get("Azure-AsyncOperation"))
	case a.Status == http.StatusAccepted && a.Header.Get("Location") != "":
		n.Status, n.location = "InProgress", pathOf(a.Header.Get("Location"))
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n.ID = 1
	if len(ss.notes) > 0 {
		n.ID = ss.notes[0].ID + 1
	}
	ss.notes = append([]*notification{n}, ss.notes...)
	if len(ss.notes) > maxNotes {
		ss.notes = ss.notes[:maxNotes]
	}
}

// pathOf is the path and query of an absolute URL ARM wrote, or "".
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return ""
	}
	return u.RequestURI()
}

// refreshNotes asks ARM how the session's running operations stand.
func (rq *request) refreshNotes() {
	rq.ss.mu.Lock()
	var running []*notification
	for _, n := range rq.ss.notes {
		if n.Status == "InProgress" {
			running = append(running, n)
		}
	}
	rq.ss.mu.Unlock()
	for _, n := range running {
		status, msg := "InProgress", ""
		switch {
		case n.async != "":
			done, err := rq.operationEnded(n.async)
			switch {
			case err != nil:
				status, msg = "Failed", err.Error()
			case done:
				status = "Succeeded"
			}
		case n.location != "":
			a, err := rq.arm.call(http.MethodGet, n.location, "", nil)
			switch {
			case err != nil:
				status, msg = "Failed", err.Error()
			case a.Status != http.StatusAccepted:
				status = "Succeeded"
			}
		default:
			status = "Succeeded"
		}
		rq.ss.mu.Lock()
		n.Status, n.Message = status, msg
		rq.ss.mu.Unlock()
	}
}

func (ss *session) noteViews() []noteView {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]noteView, 0, len(ss.notes))
	for _, n := range ss.notes {
		out = append(out, *n)
	}
	return out
}

// notifications answers the page's script with the notifications' states.
func (p *Portal) notifications(rq *request) {
	rq.refreshNotes()
	rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(rq.w).Encode(rq.ss.noteViews())
}

// operationEnded reads an operation status document: whether it ended
// well, or the operation's failure as an *armError.
func (rq *request) operationEnded(async string) (bool, error) {
	st, err := rq.arm.get(async, "")
	if err != nil {
		return false, err
	}
	switch digStr(st, "status") {
	case "Succeeded":
		return true, nil
	case "Failed", "Canceled":
		return false, &armError{Status: http.StatusConflict, Code: firstNonEmpty(digStr(st, "error", "code"), "OperationFailed"),
			Message: digStr(st, "error", "message")}
	}
	return false, nil
}
