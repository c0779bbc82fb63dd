package tickets

import (
	"errors"
	"testing"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func given(events ...eventlog.Event) []eventlog.Envelope {
	out := make([]eventlog.Envelope, len(events))
	for i, e := range events {
		out[i] = eventlog.Envelope{Event: e}
	}
	return out
}

// setup: area 1 with village 2, area 3 with village 4, cluster 1.
func setup() Setup {
	return SetupFrom(given(
		AreaAdded{AreaID: 1, Name: "北區", Kind: PlaceArea},
		AreaAdded{AreaID: 2, Name: "積善里", Kind: PlaceVillage, ParentID: 1},
		AreaAdded{AreaID: 3, Name: "南區", Kind: PlaceArea},
		AreaAdded{AreaID: 4, Name: "和平里", Kind: PlaceVillage, ParentID: 3},
		ClusterAdded{ClusterID: 1, Name: "Local Affair", Slag: "."},
	))
}

func casting(user int64, roles ...RoleActivated) Casting {
	evs := make([]eventlog.Event, len(roles))
	for i, r := range roles {
		r.UserID = user
		evs[i] = r
	}
	return CastingFrom(user, given(evs...))
}

func ticket(extra ...eventlog.Event) Ticket {
	evs := append([]eventlog.Event{TicketCreated{TicketID: 9, CreatorID: 100, VillageID: 2, AreaID: 1, Status: StatusInitial,
		Files: []FileSlot{{FileID: 50, Role: FilePicture, Ext: "jpg"}, {FileID: 51, Role: FileTape, Ext: "m4a"}}}}, extra...)
	return TicketFrom(given(evs...))
}

func ptr[T any](v T) *T { return &v }

func TestSetupDecisions(t *testing.T) {
	s := setup()
	t.Run("a village needs an area as parent", func(t *testing.T) {
		if _, err := AddArea(s, "x", PlaceVillage, 2, 1, now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("village in a village: %v", err)
		}
		if _, err := AddArea(s, "x", PlaceArea, 1, 1, now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("area with a parent: %v", err)
		}
		e, err := AddArea(s, " 文昌里 ", PlaceVillage, 1, 1, now)
		if err != nil || e.AreaID != 5 || e.Name != "文昌里" {
			t.Errorf("village: %+v %v", e, err)
		}
	})
	t.Run("castings match their place", func(t *testing.T) {
		c := casting(7)
		if _, _, err := ActivateRole(s, c, 1, "村里長", 1, 1, now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("chief of an area: %v", err)
		}
		if _, _, err := ActivateRole(s, c, 1, "議員", 2, 1, now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("councillor of a village: %v", err)
		}
		e, existing, err := ActivateRole(s, c, 1, "村里長", 2, 1, now)
		if err != nil || existing || e.Casting != CastingChief {
			t.Errorf("chief: %+v %v %v", e, existing, err)
		}
		c = casting(7, RoleActivated{RoleID: 1, Casting: CastingChief, AreaID: 2})
		if e, existing, _ := ActivateRole(s, c, 2, "chief", 2, 1, now); !existing || e.RoleID != 1 {
			t.Errorf("the same role again: %+v %v", e, existing)
		}
		if r, _ := RevokeRole(c, 1, 1, now); r == nil {
			t.Error("revoke appends")
		}
		c = CastingFrom(7, given(RoleActivated{RoleID: 1, UserID: 7, Casting: CastingChief, AreaID: 2}, RoleRevoked{RoleID: 1, UserID: 7}))
		if c.Covers(2, 1) {
			t.Error("a revoked role covers")
		}
		if r, err := RevokeRole(c, 1, 1, now); r != nil || err != nil {
			t.Errorf("revoke twice: %v %v", r, err)
		}
		if _, err := RevokeRole(c, 99, 1, now); !errors.Is(err, ErrRoleNotFound) {
			t.Errorf("unknown role: %v", err)
		}
	})
}

func TestCreateTicket(t *testing.T) {
	s := setup()
	base := NewTicket{CreatorID: 100, VillageID: 2, MailKey: "ABCD",
		Files: []NewFile{{Role: FilePicture, Ext: "jpg"}, {Role: FilePicture, Ext: "png"}, {Role: FileTape, Ext: "m4a"}}, MainPicture: 1}
	e, err := CreateTicket(s, 9, []int64{50, 51, 52}, base, now)
	if err != nil || e.AreaID != 1 || e.Status != StatusInitial || e.MainPictureID != 51 || len(e.Files) != 3 {
		t.Fatalf("create: %+v %v", e, err)
	}
	for name, tc := range map[string]struct {
		edit  func(*NewTicket)
		field string
	}{
		"unknown village":     {func(n *NewTicket) { n.VillageID = 99 }, "village"},
		"an area as village":  {func(n *NewTicket) { n.VillageID = 1 }, "village"},
		"unknown cluster":     {func(n *NewTicket) { n.ClusterID = 5 }, "cluster"},
		"a status as kind":    {func(n *NewTicket) { n.Kind = StatusResolved }, "kind"},
		"not initial":         {func(n *NewTicket) { n.Status = StatusResolved }, "status"},
		"latitude":            {func(n *NewTicket) { n.Latitude = ptr(91.0) }, "latitude"},
		"picture extension":   {func(n *NewTicket) { n.Files = []NewFile{{Role: FilePicture, Ext: "exe"}} }, "pictures"},
		"recording extension": {func(n *NewTicket) { n.Files = []NewFile{{Role: FileTape, Ext: "jpg"}} }, "tapes"},
		"main picture":        {func(n *NewTicket) { n.MainPicture = 2 }, "main_picture"},
	} {
		t.Run(name, func(t *testing.T) {
			n := base
			tc.edit(&n)
			_, err := CreateTicket(s, 9, make([]int64, len(n.Files)), n, now)
			if f, ok := fault.As(err); !ok || f.Field != tc.field {
				t.Errorf("want a fault on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestUpdateTicket(t *testing.T) {
	s := setup()
	creator := Viewer{UserID: 100}
	chief := Viewer{UserID: 7, Casting: casting(7, RoleActivated{RoleID: 1, Casting: CastingChief, AreaID: 2})}
	rep := Viewer{UserID: 8, Casting: casting(8, RoleActivated{RoleID: 2, Casting: CastingRepresentative, AreaID: 1})}
	outsider := Viewer{UserID: 9, Casting: casting(9, RoleActivated{RoleID: 3, Casting: CastingCouncillor, AreaID: 3})}
	admin := Viewer{UserID: 1, Admin: true}
	processing := TicketStatusChanged{TicketID: 9, From: StatusInitial, To: StatusProcessing, Inspected: true}
	for _, tc := range []struct {
		name    string
		history []eventlog.Event
		who     Viewer
		patch   Patch
		want    []string // event types
		err     error
		field   string
	}{
		{name: "the creator edits an initial ticket", who: creator, patch: Patch{Title: ptr("x")}, want: []string{EventTicketUpdated}},
		{name: "the creator may not change the status", who: creator, patch: Patch{Status: ptr(StatusProcessing)}, err: ErrNotAllowed},
		{name: "the creator may not edit once taken up", history: []eventlog.Event{processing}, who: creator, patch: Patch{Title: ptr("x")}, err: ErrNotAllowed},
		{name: "an official of another area sees nothing", who: outsider, patch: Patch{Status: ptr(StatusProcessing)}, err: ErrTicketNotFound},
		{name: "the village chief takes it up (inspected)", who: chief, patch: Patch{Status: ptr(StatusProcessing)}, want: []string{EventTicketStatusChanged}},
		{name: "the area's representative resolves", history: []eventlog.Event{processing}, who: rep, patch: Patch{Status: ptr(StatusResolved)}, want: []string{EventTicketStatusChanged}},
		{name: "no way back to initial", history: []eventlog.Event{processing}, who: admin, patch: Patch{Status: ptr(StatusInitial)}, field: "status"},
		{name: "a kind is no status", who: admin, patch: Patch{Status: ptr(int64(11))}, field: "status"},
		{name: "a resolved ticket reopens", history: []eventlog.Event{processing, TicketStatusChanged{From: StatusProcessing, To: StatusResolved}}, who: chief,
			patch: Patch{Status: ptr(StatusProcessing)}, want: []string{EventTicketStatusChanged}},
		{name: "the same status appends nothing", who: chief, patch: Patch{Status: ptr(StatusInitial)}},
		{name: "status and comments at once", who: chief, patch: Patch{Status: ptr(StatusProcessing), CanComment: ptr(true)},
			want: []string{EventTicketStatusChanged, EventTicketUpdated}},
		{name: "a principal must hold a role there", who: chief, patch: Patch{PrincipalID: ptr(int64(55))}, field: "principal"},
		{name: "a principal who does", who: chief, patch: Patch{PrincipalID: ptr(int64(8)), PrincipalCovers: true}, want: []string{EventTicketUpdated}},
		{name: "a tape is no main picture", who: creator, patch: Patch{MainPicture: ptr(int64(51))}, field: "main_picture"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk := ticket(tc.history...)
			evs, err := UpdateTicket(s, tk, tc.who, tc.patch, now)
			if tc.field != "" {
				if f, ok := fault.As(err); !ok || f.Field != tc.field {
					t.Fatalf("want a fault on %s, got %v", tc.field, err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err: want %v, got %v", tc.err, err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.EventType())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("events: want %v, got %v", tc.want, got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("events: want %v, got %v", tc.want, got)
				}
			}
			if sc, ok := firstOf[TicketStatusChanged](evs); ok && sc.Inspected != !tk.Inspected {
				t.Errorf("inspected: %+v", sc)
			}
		})
	}
}

func firstOf[T eventlog.Event](evs []eventlog.Event) (T, bool) {
	for _, e := range evs {
		if v, ok := e.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func TestFilesAndComments(t *testing.T) {
	creator := Viewer{UserID: 100}
	chief := Viewer{UserID: 7, Casting: casting(7, RoleActivated{RoleID: 1, Casting: CastingChief, AreaID: 2})}
	t.Run("only the creator reports an upload, once", func(t *testing.T) {
		tk := ticket()
		if _, err := SaveFile(tk, chief, 50, 10, "image/jpeg", now); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("chief: %v", err)
		}
		if _, err := SaveFile(tk, creator, 77, 10, "image/jpeg", now); !errors.Is(err, ErrFileNotFound) {
			t.Errorf("another ticket's file: %v", err)
		}
		e, err := SaveFile(tk, creator, 50, 10, "image/jpeg", now)
		if err != nil || e == nil {
			t.Fatalf("save: %v %v", e, err)
		}
		tk = ticket(*e)
		if again, err := SaveFile(tk, creator, 50, 10, "image/jpeg", now); again != nil || err != nil {
			t.Errorf("again: %v %v", again, err)
		}
		if d := DiscardFile(tk, 50, "stale", now); d != nil {
			t.Errorf("a saved file is discarded: %v", d)
		}
		d := DiscardFile(tk, 51, "stale", now)
		if d == nil {
			t.Fatal("an unsaved file is not discarded")
		}
		if _, err := SaveFile(ticket(*e, *d), creator, 51, 10, "audio/mp4", now); !errors.Is(err, ErrFileNotFound) {
			t.Errorf("a discarded file saved: %v", err)
		}
	})
	t.Run("comments need can_comment, by the creator or an official", func(t *testing.T) {
		closed := ticket()
		if _, err := AddComment(closed, creator, 1, "x", now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("closed: %v", err)
		}
		open := ticket(TicketUpdated{TicketID: 9, CanComment: true, IsPublic: true})
		if _, err := AddComment(open, Viewer{UserID: 555}, 1, "x", now); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("a passer-by of a public ticket: %v", err)
		}
		if _, err := AddComment(open, chief, 1, "明天派人", now); err != nil {
			t.Errorf("chief: %v", err)
		}
		if _, err := AddComment(open, creator, 1, "  ", now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("blank: %v", err)
		}
	})
}
