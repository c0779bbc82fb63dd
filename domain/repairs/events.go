// Package repairs is 001's repair requests (故障报修): users report a fault
// (where, which category, what); admins manage the categories, the addresses
// notified of new requests, and each request's status.
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	repairsetup-hhu  RepairCategoryAdded/Changed/Removed and
//	                 RepairNoticeAddressAdded/Changed/Removed: the module's whole
//	                 configuration on one stream, folded by every decision and
//	                 appended with its exact version, so a category's and an
//	                 address's ids and the "unique name / unique address" rules
//	                 hold under concurrent admins. It grows only with admin edits.
//	repair-<id>      RepairRequested, then RepairStatusChanged for every change
//	                 of status (the request's history)
//
// The addresses a request notifies are resolved when it is requested, from the
// configuration read on the log, and recorded in RepairRequested.Notify (see
// docs/hhu.md). Repair ids come from the sequence "repair".
package repairs

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories and the configuration stream.
const (
	SetupCategory  = "repairsetup"
	RepairCategory = "repair"
	// SetupStream is the one stream of the configuration.
	SetupStream = SetupCategory + "-hhu"
	// RepairSequence names the sequence of repair ids.
	RepairSequence = "repair"
)

// RepairStream is the stream of a repair request.
func RepairStream(id int64) string {
	return eventlog.StreamID(RepairCategory, strconv.FormatInt(id, 10))
}

// Wire names of the events.
const (
	EventRepairCategoryAdded        = "RepairCategoryAdded_v1"
	EventRepairCategoryChanged      = "RepairCategoryChanged_v1"
	EventRepairCategoryRemoved      = "RepairCategoryRemoved_v1"
	EventRepairNoticeAddressAdded   = "RepairNoticeAddressAdded_v1"
	EventRepairNoticeAddressChanged = "RepairNoticeAddressChanged_v1"
	EventRepairNoticeAddressRemoved = "RepairNoticeAddressRemoved_v1"
	EventRepairRequested            = "RepairRequested_v1"
	EventRepairStatusChanged        = "RepairStatusChanged_v1"
)

// RepairCategoryAdded records a new fault category (admin).
type RepairCategoryAdded struct {
	CategoryID int64     `json:"category_id"`
	Name       string    `json:"name"`
	AddedAt    time.Time `json:"added_at"`
}

// RepairCategoryChanged records a category's new name (admin).
type RepairCategoryChanged struct {
	CategoryID int64     `json:"category_id"`
	Name       string    `json:"name"`
	ChangedAt  time.Time `json:"changed_at"`
}

// RepairCategoryRemoved records that a category can no longer be chosen;
// requests made with it keep its name.
type RepairCategoryRemoved struct {
	CategoryID int64     `json:"category_id"`
	RemovedAt  time.Time `json:"removed_at"`
}

// RepairNoticeAddressAdded records an address notified of new requests of
// the listed categories, or of every category when the list is empty (admin).
type RepairNoticeAddressAdded struct {
	AddressID   int64     `json:"address_id"`
	Email       string    `json:"email"`
	CategoryIDs []int64   `json:"category_ids"`
	AddedAt     time.Time `json:"added_at"`
}

// RepairNoticeAddressChanged records an address's state after an edit.
type RepairNoticeAddressChanged struct {
	AddressID   int64     `json:"address_id"`
	Email       string    `json:"email"`
	CategoryIDs []int64   `json:"category_ids"`
	ChangedAt   time.Time `json:"changed_at"`
}

// RepairNoticeAddressRemoved records that an address is no longer notified.
type RepairNoticeAddressRemoved struct {
	AddressID int64     `json:"address_id"`
	RemovedAt time.Time `json:"removed_at"`
}

// RepairRequested records a user's repair request. CategoryName is the
// category's name when requested; Notify the addresses subscribed to the
// category (or to every category) at that moment, which the mail worker
// notifies.
type RepairRequested struct {
	RepairID     int64     `json:"repair_id"`
	UserID       int64     `json:"user_id"`
	Location     string    `json:"location"`
	CategoryID   int64     `json:"category_id"`
	CategoryName string    `json:"category_name"`
	Description  string    `json:"description"`
	Status       string    `json:"status"`
	Notify       []string  `json:"notify"`
	RequestedAt  time.Time `json:"requested_at"`
}

// RepairStatusChanged records an admin's change of a request's status.
type RepairStatusChanged struct {
	RepairID  int64     `json:"repair_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	ChangedBy int64     `json:"changed_by"`
	ChangedAt time.Time `json:"changed_at"`
}

func (RepairCategoryAdded) EventType() string        { return EventRepairCategoryAdded }
func (RepairCategoryChanged) EventType() string      { return EventRepairCategoryChanged }
func (RepairCategoryRemoved) EventType() string      { return EventRepairCategoryRemoved }
func (RepairNoticeAddressAdded) EventType() string   { return EventRepairNoticeAddressAdded }
func (RepairNoticeAddressChanged) EventType() string { return EventRepairNoticeAddressChanged }
func (RepairNoticeAddressRemoved) EventType() string { return EventRepairNoticeAddressRemoved }
func (RepairRequested) EventType() string            { return EventRepairRequested }
func (RepairStatusChanged) EventType() string        { return EventRepairStatusChanged }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		RepairCategoryAdded{}, RepairCategoryChanged{}, RepairCategoryRemoved{},
		RepairNoticeAddressAdded{}, RepairNoticeAddressChanged{}, RepairNoticeAddressRemoved{},
		RepairRequested{}, RepairStatusChanged{},
	}
}
