package eventstoredb_test

import (
	"os"
	"testing"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/transport/eventstore/contract"
	"github.com/fiveapis/backend/transport/eventstore/eventstoredb/esdbfake"
)

// TestContractFake runs the port's contract suite through the real client
// against the in-process fake server.
func TestContractFake(t *testing.T) {
	s := newStore(t, esdbfake.Start(t))
	contract.Run(t, func(*testing.T) eventlog.Store { return s })
}

// TestContractEventStoreDB runs the contract suite against the EventStoreDB
// named by EVENTSTORE_URL (a connection string such as
// "esdb://localhost:2113?tls=false").
func TestContractEventStoreDB(t *testing.T) {
	url := os.Getenv("EVENTSTORE_URL")
	if url == "" {
		t.Skip("EVENTSTORE_URL not set: skipping contract suite against a real EventStoreDB")
	}
	s := newStore(t, url)
	contract.Run(t, func(*testing.T) eventlog.Store { return s })
}
