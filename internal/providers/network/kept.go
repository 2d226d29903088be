package network

import (
	"encoding/json"

	"github.com/aksbox/aksbox/internal/arm"
)

// Subnets and peerings are kept inside their virtual network's record, and
// so is what a client sent for them: as elements of properties.subnets and
// properties.virtualNetworkPeerings of the virtual network's kept body,
// the shape a PUT of the whole virtual network has.

const (
	subnetsField  = "subnets"
	peeringsField = "virtualNetworkPeerings"
)

// childView is what a client sees of a child: its model over what was sent
// for it.
func childView(st *arm.Stored, field, name string, model any) json.RawMessage {
	b, _ := json.Marshal(model)
	return arm.Overlay(arm.ChildSent(st.Sent, field, name, false), b)
}

// keepChild records in st.Sent the body a client sent for a child, over
// the child as the client could read it before (prevModel, nil when new);
// a nil body forgets the child (deleted).
func keepChild(st *arm.Stored, field, name string, body []byte, prevModel any) {
	if body == nil {
		st.Sent = arm.WithChildSent(st.Sent, field, name, nil, false)
		return
	}
	var pm json.RawMessage
	if prevModel != nil {
		pm, _ = json.Marshal(prevModel)
	}
	kept := arm.SentOver(body, arm.ChildSent(st.Sent, field, name, false), pm)
	st.Sent = arm.WithChildSent(st.Sent, field, name, kept, false)
}
