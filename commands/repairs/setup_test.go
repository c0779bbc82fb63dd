package repairs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fiveapis/backend/commands/handling"
	"github.com/fiveapis/backend/commands/handling/handlingtest"
	repairscmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/domain/repairs"
	"github.com/fiveapis/backend/transport/eventstore"
)

// newHandlers returns the handlers over the PostgreSQL event store of a
// fresh database.
func newHandlers(t *testing.T) (*repairscmd.Handlers, *eventstore.Streams) {
	t.Helper()
	env := handlingtest.New(t, repairs.Events()...)
	clock := handlingtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	return repairscmd.New(env.Runner(handling.Config{}), clock, handlingtest.Members(nil)), env.Streams
}

var admin = access.Actor{UserID: 1, Admin: true}

// TestConcurrentAdminsKeepIDsAndNamesUnique: 24 admins add categories at
// once, each of 12 names twice. Every decision folds the setup stream and
// appends with its exact version, so exactly one of each pair wins, the ids
// are 1..12 without gaps, and the loser is told the name is taken.
func TestConcurrentAdminsKeepIDsAndNamesUnique(t *testing.T) {
	t.Parallel()
	h, streams := newHandlers(t)
	const names = 12
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		ids    []int64
		losers int
	)
	for i := range 2 * names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.AddCategory(context.Background(), repairscmd.AddCategory{Actor: admin, Name: fmt.Sprintf("分类%d", i%names)})
			mu.Lock()
			defer mu.Unlock()
			if f, ok := fault.As(err); ok && f.Field == "name" {
				losers++
				return
			}
			if err != nil {
				t.Errorf("add: %v", err)
				return
			}
			ids = append(ids, res.Category.ID)
		}()
	}
	wg.Wait()
	slices.Sort(ids)
	want := make([]int64, names)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(ids, want) || losers != names {
		t.Fatalf("ids %v, %d refused; want 1..%d and %d refused", ids, losers, names, names)
	}
	history, _, err := streams.Load(context.Background(), repairs.SetupStream)
	if err != nil || len(history) != names {
		t.Fatalf("setup stream: %d events, %v", len(history), err)
	}
}

// TestRequestResolvesRecipientsFromTheLog: a request records the addresses
// subscribed when it was made; a later change of the configuration does not
// change whom it notified.
func TestRequestResolvesRecipientsFromTheLog(t *testing.T) {
	t.Parallel()
	h, _ := newHandlers(t)
	ctx := context.Background()
	netRes, err := h.AddCategory(ctx, repairscmd.AddCategory{Actor: admin, Name: "网络"})
	if err != nil {
		t.Fatal(err)
	}
	net := netRes.Category
	aRes, err := h.AddAddress(ctx, repairscmd.AddAddress{Actor: admin, Spec: repairs.AddressSpec{Email: "net@example.com", CategoryIDs: []int64{net.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	a := aRes.Address
	user := access.Actor{UserID: 7}
	first, err := h.RequestRepair(ctx, repairscmd.RequestRepair{Actor: user, Location: "301", CategoryID: net.ID, Description: "断网"})
	if err != nil || !slices.Equal(first.Requested.Notify, []string{"net@example.com"}) {
		t.Fatalf("first: %+v %v", first, err)
	}
	if _, err := h.RemoveAddress(ctx, repairscmd.RemoveAddress{Actor: admin, AddressID: a.ID}); err != nil {
		t.Fatal(err)
	}
	second, err := h.RequestRepair(ctx, repairscmd.RequestRepair{Actor: user, Location: "302", CategoryID: net.ID, Description: "断网"})
	if err != nil || len(second.Requested.Notify) != 0 || second.Requested.RepairID == first.Requested.RepairID {
		t.Fatalf("second: %+v %v", second, err)
	}
	if _, err := h.RequestRepair(ctx, repairscmd.RequestRepair{Actor: user, Location: "x", CategoryID: 99, Description: "y"}); !isField(err, "category") {
		t.Fatalf("unknown category: %v", err)
	}
	if _, err := h.AddCategory(ctx, repairscmd.AddCategory{Actor: user, Name: "x"}); !errors.Is(err, access.ErrForbidden) {
		t.Fatalf("non-admin: %v", err)
	}
}

func isField(err error, field string) bool {
	f, ok := fault.As(err)
	return ok && f.Field == field
}
