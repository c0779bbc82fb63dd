// Package tickets is 003's (Magpie) purpose: citizens report problems to
// village officials as tickets with pictures and recordings; officials of the
// ticket's village or area work on them; comments (意見) are exchanged while
// a ticket allows them. The administrator manages the places (areas and the
// villages in them), the clusters tickets are filed under, and who holds a
// role (casting) for which place.
//
// It is pure: decisions take the current state, the time and allocated ids
// as arguments and return events or a classified error (domain/fault).
//
// Streams:
//
//	magpiesetup-003      AreaAdded, AreaRenamed, ClusterAdded: the places and
//	                     clusters, folded by every decision and appended with
//	                     the exact version read (ids are the fold's next).
//	magpiecasting-<user> RoleActivated, RoleRevoked: one user's castings, so
//	                     "one active role per casting and place" holds under
//	                     concurrent admins; role ids come from the sequence
//	                     "magpierole".
//	ticket-<id>          TicketCreated, then TicketUpdated,
//	                     TicketStatusChanged, TicketFileSaved,
//	                     TicketFileDiscarded and TicketCommentAdded: the
//	                     ticket's history, its files' and its comments'.
//	                     Ticket, file and comment ids come from the
//	                     sequences "ticket", "ticketfile" and "ticketcomment".
package tickets

import (
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
)

// Stream categories, the setup stream and the sequences.
const (
	SetupCategory   = "magpiesetup"
	CastingCategory = "magpiecasting"
	TicketCategory  = "ticket"
	SetupStream     = SetupCategory + "-003"

	TicketSequence  = "ticket"
	FileSequence    = "ticketfile"
	CommentSequence = "ticketcomment"
	RoleSequence    = "magpierole"
)

// CastingStream is the stream of a user's roles.
func CastingStream(userID int64) string {
	return eventlog.StreamID(CastingCategory, strconv.FormatInt(userID, 10))
}

// TicketStream is the stream of a ticket.
func TicketStream(id int64) string {
	return eventlog.StreamID(TicketCategory, strconv.FormatInt(id, 10))
}

// Wire names of the events.
const (
	EventAreaAdded           = "MagpieAreaAdded_v1"
	EventAreaRenamed         = "MagpieAreaRenamed_v1"
	EventClusterAdded        = "MagpieClusterAdded_v1"
	EventRoleActivated       = "MagpieRoleActivated_v1"
	EventRoleRevoked         = "MagpieRoleRevoked_v1"
	EventTicketCreated       = "TicketCreated_v1"
	EventTicketUpdated       = "TicketUpdated_v1"
	EventTicketStatusChanged = "TicketStatusChanged_v1"
	EventTicketFileSaved     = "TicketFileSaved_v1"
	EventTicketFileDiscarded = "TicketFileDiscarded_v1"
	EventTicketCommentAdded  = "TicketCommentAdded_v1"
)

// AreaAdded records a place: an area (鄉鎮市區, Kind "area", no parent) or a
// village (村里, Kind "village") inside the area ParentID.
type AreaAdded struct {
	AreaID   int64     `json:"area_id"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	ParentID int64     `json:"parent_id"`
	AddedBy  int64     `json:"added_by"`
	AddedAt  time.Time `json:"added_at"`
}

// AreaRenamed records a place's new name.
type AreaRenamed struct {
	AreaID    int64     `json:"area_id"`
	Name      string    `json:"name"`
	RenamedBy int64     `json:"renamed_by"`
	RenamedAt time.Time `json:"renamed_at"`
}

// ClusterAdded records a cluster tickets are filed under ("Local Affair").
type ClusterAdded struct {
	ClusterID int64     `json:"cluster_id"`
	Name      string    `json:"name"`
	Slag      string    `json:"slag"`
	AddedBy   int64     `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
}

// RoleActivated records that a user holds a casting for a place: chief
// (村里長) or officer (村里幹事) of a village, representative (代表) or
// councillor (議員) of an area.
type RoleActivated struct {
	RoleID      int64     `json:"role_id"`
	UserID      int64     `json:"user_id"`
	Casting     string    `json:"casting"`
	AreaID      int64     `json:"area_id"`
	ActivatedBy int64     `json:"activated_by"`
	ActivatedAt time.Time `json:"activated_at"`
}

// RoleRevoked records that a user no longer holds a role.
type RoleRevoked struct {
	RoleID    int64     `json:"role_id"`
	UserID    int64     `json:"user_id"`
	RevokedBy int64     `json:"revoked_by"`
	RevokedAt time.Time `json:"revoked_at"`
}

// FileSlot is a file announced with a ticket: the app uploads its bytes to
// object storage under Key, then reports save_done.
type FileSlot struct {
	FileID int64  `json:"file_id"`
	Role   string `json:"role"`
	Name   string `json:"name"`
	Ext    string `json:"ext"`
	Key    string `json:"key"`
}

// TicketCreated records a citizen's ticket with the files it announces.
// AreaID is the village's area when it was created.
type TicketCreated struct {
	TicketID      int64      `json:"ticket_id"`
	CreatorID     int64      `json:"creator_id"`
	Title         string     `json:"title"`
	Content       string     `json:"content"`
	TapeContent   string     `json:"tape_content"`
	Latitude      *float64   `json:"latitude"`
	Longitude     *float64   `json:"longitude"`
	VillageID     int64      `json:"village_id"`
	AreaID        int64      `json:"area_id"`
	ClusterID     int64      `json:"cluster_id"`
	Kind          int64      `json:"kind"`
	IsPublic      bool       `json:"is_public"`
	Status        int64      `json:"status"`
	MailKey       string     `json:"mail_key"`
	MainPictureID int64      `json:"main_picture_id"`
	Files         []FileSlot `json:"files"`
	CreatedAt     time.Time  `json:"created_at"`
}

// TicketUpdated records a ticket's editable fields after a change, and who
// made it (the operator).
type TicketUpdated struct {
	TicketID      int64     `json:"ticket_id"`
	Title         string    `json:"title"`
	Content       string    `json:"content"`
	TapeContent   string    `json:"tape_content"`
	Latitude      *float64  `json:"latitude"`
	Longitude     *float64  `json:"longitude"`
	ClusterID     int64     `json:"cluster_id"`
	Kind          int64     `json:"kind"`
	IsPublic      bool      `json:"is_public"`
	CanComment    bool      `json:"can_comment"`
	IsSuspend     bool      `json:"is_suspend"`
	PrincipalID   int64     `json:"principal_id"`
	MainPictureID int64     `json:"main_picture_id"`
	OperatorID    int64     `json:"operator_id"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TicketStatusChanged records a change of status by an official or an
// admin; Inspected marks the first time an official handled the ticket
// (inspected_time).
type TicketStatusChanged struct {
	TicketID   int64     `json:"ticket_id"`
	VillageID  int64     `json:"village_id"`
	AreaID     int64     `json:"area_id"`
	From       int64     `json:"from"`
	To         int64     `json:"to"`
	OperatorID int64     `json:"operator_id"`
	Inspected  bool      `json:"inspected"`
	ChangedAt  time.Time `json:"changed_at"`
}

// TicketFileSaved records that a file's bytes are in storage and passed the
// checks (save_done): from now on it is shown to others.
type TicketFileSaved struct {
	TicketID    int64     `json:"ticket_id"`
	FileID      int64     `json:"file_id"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SavedBy     int64     `json:"saved_by"`
	SavedAt     time.Time `json:"saved_at"`
}

// TicketFileDiscarded records that a file whose upload never completed was
// removed (the cleanup job).
type TicketFileDiscarded struct {
	TicketID    int64     `json:"ticket_id"`
	FileID      int64     `json:"file_id"`
	Reason      string    `json:"reason"`
	DiscardedAt time.Time `json:"discarded_at"`
}

// TicketCommentAdded records a comment (意見) on a ticket.
type TicketCommentAdded struct {
	TicketID  int64     `json:"ticket_id"`
	CommentID int64     `json:"comment_id"`
	AuthorID  int64     `json:"author_id"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}

func (AreaAdded) EventType() string           { return EventAreaAdded }
func (AreaRenamed) EventType() string         { return EventAreaRenamed }
func (ClusterAdded) EventType() string        { return EventClusterAdded }
func (RoleActivated) EventType() string       { return EventRoleActivated }
func (RoleRevoked) EventType() string         { return EventRoleRevoked }
func (TicketCreated) EventType() string       { return EventTicketCreated }
func (TicketUpdated) EventType() string       { return EventTicketUpdated }
func (TicketStatusChanged) EventType() string { return EventTicketStatusChanged }
func (TicketFileSaved) EventType() string     { return EventTicketFileSaved }
func (TicketFileDiscarded) EventType() string { return EventTicketFileDiscarded }
func (TicketCommentAdded) EventType() string  { return EventTicketCommentAdded }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{
		AreaAdded{}, AreaRenamed{}, ClusterAdded{}, RoleActivated{}, RoleRevoked{},
		TicketCreated{}, TicketUpdated{}, TicketStatusChanged{}, TicketFileSaved{}, TicketFileDiscarded{},
		TicketCommentAdded{},
	}
}
