package eventstoredb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// isCode reports whether err is (or wraps) a client error with code.
func isCode(err error, code esdb.ErrorCode) bool {
	var e *esdb.Error
	return errors.As(err, &e) && e.Code() == code
}

var (
	// The client renders the current revision of a failed append only into
	// its message: "wrong expected version: expecting 'X' but got 'Y'".
	clientGot = regexp.MustCompile(`but got '([^']*)'`)
	// The server's WrongExpectedVersion exception (deletes, and appends on
	// 20.6 servers): "... Expected version: X, Actual version: Y".
	serverActual = regexp.MustCompile(`Actual version: (-?\d*)`)
)

// wrongVersion reports whether err is a wrong-expected-version failure and
// the stream's current revision when the server said it (nil: no events, or
// not said).
//
// Appends on v21+ servers answer with a WrongExpectedVersion message that the
// client turns into ErrorCodeWrongExpectedVersion. Deletes (and appends on
// 20.6 servers) fail with a FailedPrecondition status and a
// "wrong-expected-version" exception trailer that the client does not decode
// (it reports ErrorCodeUnknown), so the status message is read instead.
func wrongVersion(err error) (*uint64, bool) {
	var e *esdb.Error
	if errors.As(err, &e) && e.Code() == esdb.ErrorCodeWrongExpectedVersion {
		if m := clientGot.FindStringSubmatch(e.Error()); m != nil {
			return parseRevision(m[1]), true
		}
		return nil, true
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.FailedPrecondition || !strings.Contains(st.Message(), "WrongExpectedVersion") {
		return nil, false
	}
	if m := serverActual.FindStringSubmatch(st.Message()); m != nil {
		return parseRevision(m[1]), true
	}
	return nil, true
}

// parseRevision reads a revision as the client or server prints it; no_stream,
// -1 or nothing mean "no events".
func parseRevision(s string) *uint64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return nil
	}
	u := uint64(v)
	return &u
}
