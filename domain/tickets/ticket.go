package tickets

import (
	"errors"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Option is a value of ho600_lib's option table: a swarm (ticket-status,
// ticket-kind) and a value.
type Option struct {
	ID    int64
	Swarm string
	Value string
}

// Statuses (swarm ticket-status) and kinds (swarm ticket-kind).
const (
	StatusInitial    int64 = 1
	StatusProcessing int64 = 2
	StatusResolved   int64 = 3
	StatusRejected   int64 = 4
)

// Options are every option, ids fixed.
var Options = []Option{
	{StatusInitial, "ticket-status", "initial"},
	{StatusProcessing, "ticket-status", "processing"},
	{StatusResolved, "ticket-status", "resolved"},
	{StatusRejected, "ticket-status", "rejected"},
	{11, "ticket-kind", "suggestion"},
	{12, "ticket-kind", "complaint"},
	{13, "ticket-kind", "report"},
}

// OptionByID returns an option.
func OptionByID(id int64) (Option, bool) {
	for _, o := range Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// transitions are the status changes allowed: a ticket is taken up,
// resolved or rejected, and a resolved or rejected one may be reopened.
var transitions = map[int64][]int64{
	StatusInitial:    {StatusProcessing, StatusResolved, StatusRejected},
	StatusProcessing: {StatusResolved, StatusRejected},
	StatusResolved:   {StatusProcessing},
	StatusRejected:   {StatusProcessing},
}

// InWorking reports whether a status is not final.
func InWorking(status int64) bool { return status == StatusInitial || status == StatusProcessing }

// File roles and the extensions they take.
const (
	FilePicture = "picture"
	FileTape    = "tape"
)

var (
	pictureExts = []string{"jpg", "jpeg", "png", "gif", "webp"}
	tapeExts    = []string{"m4a", "mp3", "mp4", "3gp", "amr", "aac", "ogg", "wav"}
)

// Limits of a ticket.
const (
	MaxTitleLength   = 128
	MaxContentLength = 4000
	MaxPictures      = 10
	MaxTapes         = 5
	MaxCommentLength = 2000
)

// Errors of tickets.
var (
	ErrTicketNotFound = fault.New(fault.NotFound, "NOT_FOUND", "ticket not found")
	ErrFileNotFound   = fault.New(fault.NotFound, "NOT_FOUND", "file not found")
	// ErrNotAllowed: the caller sees the ticket but may not do this to it
	// (tastypie's Unauthorized).
	ErrNotAllowed = fault.New(fault.Forbidden, "UNAUTHORIZED", "not allowed")
)

// NewFile is a file announced with a ticket: its role, its extension, and
// the name and storage key the command chose.
type NewFile struct {
	Role string
	Ext  string
	Name string
	Key  string
}

// NewTicket is a citizen's ticket.
type NewTicket struct {
	CreatorID   int64
	Title       string
	Content     string
	TapeContent string
	Latitude    *float64
	Longitude   *float64
	VillageID   int64
	ClusterID   int64
	Kind        int64
	IsPublic    bool
	Status      int64
	MailKey     string
	// MainPicture is the index among the pictures of the main one (-1:
	// none; default the first).
	MainPicture int
	Files       []NewFile
}

func checkLen(field, v string, maxLen int) error {
	if utf8.RuneCountInString(v) > maxLen {
		return fault.Invalidf(field, "Ensure this field has no more than %d characters.", maxLen)
	}
	return nil
}

func checkCoord(field string, v *float64, limit float64) error {
	if v != nil && (math.IsNaN(*v) || math.Abs(*v) > limit) {
		return fault.Invalidf(field, "Ensure this value is between -%g and %g.", limit, limit)
	}
	return nil
}

func checkKind(kind int64) error {
	if kind == 0 {
		return nil
	}
	if o, ok := OptionByID(kind); !ok || o.Swarm != "ticket-kind" {
		return fault.Invalidf("kind", "Invalid resource: no ticket-kind option %d.", kind)
	}
	return nil
}

// CheckFiles validates the files announced (before ids and keys exist).
func CheckFiles(files []NewFile, mainPicture int) error {
	var pictures, tapes int
	for _, f := range files {
		switch f.Role {
		case FilePicture:
			pictures++
			if !slices.Contains(pictureExts, f.Ext) {
				return fault.Invalidf("pictures", "\"%s\" is not a picture's extension (%s).", f.Ext, strings.Join(pictureExts, ", "))
			}
		case FileTape:
			tapes++
			if !slices.Contains(tapeExts, f.Ext) {
				return fault.Invalidf("tapes", "\"%s\" is not a recording's extension (%s).", f.Ext, strings.Join(tapeExts, ", "))
			}
		}
	}
	switch {
	case pictures > MaxPictures:
		return fault.Invalidf("pictures", "Ensure this field has no more than %d elements.", MaxPictures)
	case tapes > MaxTapes:
		return fault.Invalidf("tapes", "Ensure this field has no more than %d elements.", MaxTapes)
	case mainPicture < -1 || mainPicture > 0 && mainPicture >= pictures:
		return fault.Invalidf("main_picture", "No picture %d among the %d pictures.", mainPicture, pictures)
	}
	return nil
}

// CreateTicket decides a ticket with allocated ids (id, and one file id per
// file, in order).
func CreateTicket(s Setup, id int64, fileIDs []int64, t NewTicket, now time.Time) (TicketCreated, error) {
	if t.Status == 0 {
		t.Status = StatusInitial
	}
	err := errors.Join(
		checkLen("title", t.Title, MaxTitleLength),
		checkLen("content", t.Content, MaxContentLength),
		checkLen("tape_content", t.TapeContent, MaxContentLength),
		checkCoord("latitude", t.Latitude, 90),
		checkCoord("longitude", t.Longitude, 180),
		checkKind(t.Kind),
		CheckFiles(t.Files, t.MainPicture),
	)
	if err != nil {
		return TicketCreated{}, err
	}
	if t.Status != StatusInitial {
		return TicketCreated{}, fault.Invalidf("status", "A new ticket's status is \"initial\".")
	}
	v, ok := s.Areas[t.VillageID]
	if !ok || v.Kind != PlaceVillage {
		return TicketCreated{}, fault.Invalidf("village", "Invalid resource: no village %d.", t.VillageID)
	}
	if _, ok := s.Clusters[t.ClusterID]; t.ClusterID != 0 && !ok {
		return TicketCreated{}, fault.Invalidf("cluster", "Invalid resource: no cluster %d.", t.ClusterID)
	}
	if len(fileIDs) != len(t.Files) {
		return TicketCreated{}, errors.New("tickets: one file id per file")
	}
	e := TicketCreated{TicketID: id, CreatorID: t.CreatorID, Title: t.Title, Content: t.Content, TapeContent: t.TapeContent,
		Latitude: t.Latitude, Longitude: t.Longitude, VillageID: v.ID, AreaID: v.ParentID, ClusterID: t.ClusterID,
		Kind: t.Kind, IsPublic: t.IsPublic, Status: StatusInitial, MailKey: t.MailKey, Files: []FileSlot{}, CreatedAt: now}
	picture := 0
	for i, f := range t.Files {
		e.Files = append(e.Files, FileSlot{FileID: fileIDs[i], Role: f.Role, Name: f.Name, Ext: f.Ext, Key: f.Key})
		if f.Role == FilePicture {
			if picture == t.MainPicture {
				e.MainPictureID = fileIDs[i]
			}
			picture++
		}
	}
	return e, nil
}

// File is a file of a ticket.
type File struct {
	ID        int64
	Role      string
	Ext       string
	Key       string
	Saved     bool
	Discarded bool
}

// Ticket is a ticket's state, folded from its stream.
type Ticket struct {
	ID          int64
	CreatorID   int64
	VillageID   int64
	AreaID      int64
	Status      int64
	Inspected   bool
	Editable    TicketUpdated
	Files       map[int64]File
	CommentsIDs []int64
}

// Exists reports whether the ticket was created.
func (t Ticket) Exists() bool { return t.ID != 0 }

// TicketFrom folds a ticket's stream.
func TicketFrom(history []eventlog.Envelope) Ticket {
	var t Ticket
	for _, env := range history {
		switch e := env.Event.(type) {
		case TicketCreated:
			t = Ticket{ID: e.TicketID, CreatorID: e.CreatorID, VillageID: e.VillageID, AreaID: e.AreaID, Status: e.Status,
				Files: map[int64]File{}, Editable: TicketUpdated{TicketID: e.TicketID, Title: e.Title, Content: e.Content,
					TapeContent: e.TapeContent, Latitude: e.Latitude, Longitude: e.Longitude, ClusterID: e.ClusterID,
					Kind: e.Kind, IsPublic: e.IsPublic, MainPictureID: e.MainPictureID, OperatorID: e.CreatorID}}
			for _, f := range e.Files {
				t.Files[f.FileID] = File{ID: f.FileID, Role: f.Role, Ext: f.Ext, Key: f.Key}
			}
		case TicketUpdated:
			t.Editable = e
		case TicketStatusChanged:
			t.Status = e.To
			t.Inspected = t.Inspected || e.Inspected
		case TicketFileSaved:
			f := t.Files[e.FileID]
			f.Saved = true
			t.Files[e.FileID] = f
		case TicketFileDiscarded:
			f := t.Files[e.FileID]
			f.Discarded = true
			t.Files[e.FileID] = f
			if t.Editable.MainPictureID == e.FileID {
				t.Editable.MainPictureID = 0
			}
		case TicketCommentAdded:
			t.CommentsIDs = append(t.CommentsIDs, e.CommentID)
		}
	}
	return t
}

// Viewer is who acts on a ticket: the user, whether an administrator, and
// their castings.
type Viewer struct {
	UserID  int64
	Admin   bool
	Casting Casting
}

// Official reports whether the viewer is responsible for the ticket: an
// administrator or a holder of a role for its village or area.
func (t Ticket) Official(v Viewer) bool {
	return v.Admin || v.Casting.Covers(t.VillageID, t.AreaID)
}

// Visible reports whether the viewer may see the ticket: its creator, an
// official of it, or anyone when it is public and not suspended.
func (t Ticket) Visible(v Viewer) bool {
	return t.Exists() && (t.CreatorID == v.UserID || t.Official(v) || t.Editable.IsPublic && !t.Editable.IsSuspend)
}

// Patch is a change of a ticket; nil fields stay.
type Patch struct {
	Title       *string
	Content     *string
	TapeContent *string
	Latitude    **float64
	Longitude   **float64
	IsPublic    *bool
	MainPicture *int64
	// Officials' fields.
	Status     *int64
	CanComment *bool
	IsSuspend  *bool
	Kind       *int64
	ClusterID  *int64
	// PrincipalID names the official in charge (0: none); PrincipalCovers
	// says whether that user holds a role for the ticket's place.
	PrincipalID     *int64
	PrincipalCovers bool
}

// UpdateTicket decides a change: the creator edits what they wrote while the
// ticket is initial and not suspended; the officials of the ticket (and
// admins) change its status along the allowed transitions, can_comment,
// suspension, kind, cluster and principal. A field the viewer may not change
// is ErrNotAllowed; an invisible ticket ErrTicketNotFound.
func UpdateTicket(s Setup, t Ticket, v Viewer, p Patch, now time.Time) ([]eventlog.Event, error) {
	if !t.Visible(v) {
		return nil, ErrTicketNotFound
	}
	official, creator := t.Official(v), t.CreatorID == v.UserID
	next := t.Editable
	authorFields := p.Title != nil || p.Content != nil || p.TapeContent != nil || p.Latitude != nil || p.Longitude != nil ||
		p.IsPublic != nil || p.MainPicture != nil
	officialFields := p.Status != nil || p.CanComment != nil || p.IsSuspend != nil || p.Kind != nil || p.ClusterID != nil ||
		p.PrincipalID != nil
	if authorFields && !(creator && t.Status == StatusInitial && !t.Editable.IsSuspend) && !v.Admin {
		return nil, ErrNotAllowed
	}
	if officialFields && !official {
		return nil, ErrNotAllowed
	}
	set := func(dst *string, src *string, field string, maxLen int) error {
		if src == nil {
			return nil
		}
		if err := checkLen(field, *src, maxLen); err != nil {
			return err
		}
		*dst = *src
		return nil
	}
	if err := errors.Join(set(&next.Title, p.Title, "title", MaxTitleLength), set(&next.Content, p.Content, "content", MaxContentLength),
		set(&next.TapeContent, p.TapeContent, "tape_content", MaxContentLength)); err != nil {
		return nil, err
	}
	if p.Latitude != nil {
		if err := checkCoord("latitude", *p.Latitude, 90); err != nil {
			return nil, err
		}
		next.Latitude = *p.Latitude
	}
	if p.Longitude != nil {
		if err := checkCoord("longitude", *p.Longitude, 180); err != nil {
			return nil, err
		}
		next.Longitude = *p.Longitude
	}
	if p.IsPublic != nil {
		next.IsPublic = *p.IsPublic
	}
	if p.MainPicture != nil {
		if f, ok := t.Files[*p.MainPicture]; *p.MainPicture != 0 && (!ok || f.Role != FilePicture || f.Discarded) {
			return nil, fault.Invalidf("main_picture", "Invalid resource: no picture %d of this ticket.", *p.MainPicture)
		}
		next.MainPictureID = *p.MainPicture
	}
	if p.CanComment != nil {
		next.CanComment = *p.CanComment
	}
	if p.IsSuspend != nil {
		next.IsSuspend = *p.IsSuspend
	}
	if p.Kind != nil {
		if err := checkKind(*p.Kind); err != nil {
			return nil, err
		}
		next.Kind = *p.Kind
	}
	if p.ClusterID != nil {
		if _, ok := s.Clusters[*p.ClusterID]; *p.ClusterID != 0 && !ok {
			return nil, fault.Invalidf("cluster", "Invalid resource: no cluster %d.", *p.ClusterID)
		}
		next.ClusterID = *p.ClusterID
	}
	if p.PrincipalID != nil {
		if *p.PrincipalID != 0 && !p.PrincipalCovers {
			return nil, fault.Invalidf("principal", "The principal must hold a role for the ticket's village or area.")
		}
		next.PrincipalID = *p.PrincipalID
	}
	var out []eventlog.Event
	if p.Status != nil && *p.Status != t.Status {
		o, ok := OptionByID(*p.Status)
		if !ok || o.Swarm != "ticket-status" {
			return nil, fault.Invalidf("status", "Invalid resource: no ticket-status option %d.", *p.Status)
		}
		if !slices.Contains(transitions[t.Status], *p.Status) {
			from, _ := OptionByID(t.Status)
			return nil, fault.Invalidf("status", "A ticket cannot go from \"%s\" to \"%s\".", from.Value, o.Value)
		}
		out = append(out, TicketStatusChanged{TicketID: t.ID, VillageID: t.VillageID, AreaID: t.AreaID, From: t.Status, To: *p.Status, OperatorID: v.UserID,
			Inspected: !t.Inspected, ChangedAt: now})
	}
	next.OperatorID, next.UpdatedAt = t.Editable.OperatorID, t.Editable.UpdatedAt
	if !sameEditable(next, t.Editable) {
		next.OperatorID, next.UpdatedAt = v.UserID, now
		out = append(out, next)
	}
	return out, nil
}

func sameEditable(a, b TicketUpdated) bool {
	eqf := func(x, y *float64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	la, lb, oa, ob := a.Latitude, b.Latitude, a.Longitude, b.Longitude
	a.Latitude, b.Latitude, a.Longitude, b.Longitude = nil, nil, nil, nil
	return a == b && eqf(la, lb) && eqf(oa, ob)
}

// SaveFile decides save_done: by the ticket's creator (or an admin), of a
// file of the ticket whose bytes were checked (size and content type); a
// saved file appends nothing.
func SaveFile(t Ticket, v Viewer, fileID, size int64, contentType string, now time.Time) (*TicketFileSaved, error) {
	if !t.Visible(v) {
		return nil, ErrFileNotFound
	}
	f, ok := t.Files[fileID]
	if !ok || f.Discarded {
		return nil, ErrFileNotFound
	}
	if t.CreatorID != v.UserID && !v.Admin {
		return nil, ErrNotAllowed
	}
	if f.Saved {
		return nil, nil
	}
	return &TicketFileSaved{TicketID: t.ID, FileID: fileID, Size: size, ContentType: contentType, SavedBy: v.UserID, SavedAt: now}, nil
}

// DiscardFile decides the removal of a file whose upload never completed;
// a saved or discarded one appends nothing.
func DiscardFile(t Ticket, fileID int64, reason string, now time.Time) *TicketFileDiscarded {
	f, ok := t.Files[fileID]
	if !ok || f.Saved || f.Discarded {
		return nil
	}
	return &TicketFileDiscarded{TicketID: t.ID, FileID: fileID, Reason: reason, DiscardedAt: now}
}

// AddComment decides a comment: the ticket must allow comments
// (can_comment), and the author is its creator or one of its officials.
func AddComment(t Ticket, v Viewer, commentID int64, content string, now time.Time) (TicketCommentAdded, error) {
	if !t.Visible(v) {
		return TicketCommentAdded{}, ErrTicketNotFound
	}
	if t.CreatorID != v.UserID && !t.Official(v) {
		return TicketCommentAdded{}, ErrNotAllowed
	}
	if !t.Editable.CanComment {
		return TicketCommentAdded{}, fault.Invalidf("ticket", "This ticket does not take comments (can_comment is false).")
	}
	content = strings.TrimSpace(content)
	if content == "" {
		return TicketCommentAdded{}, fault.Invalidf("content", "This field may not be blank.")
	}
	if err := checkLen("content", content, MaxCommentLength); err != nil {
		return TicketCommentAdded{}, err
	}
	return TicketCommentAdded{TicketID: t.ID, CommentID: commentID, AuthorID: v.UserID, Content: content, CreatedAt: now}, nil
}
