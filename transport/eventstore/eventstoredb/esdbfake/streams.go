package esdbfake

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// Metadata keys and exception trailers of the server (Constants in
// EventStore.Core.Services.Transport.Grpc).
const (
	metaType        = "type"
	metaContentType = "content-type"
	metaCreated     = "created"

	trailerException     = "exception"
	trailerStreamName    = "stream-name"
	trailerExpected      = "expected-version"
	trailerActual        = "actual-version"
	trailerRequiredMeta  = "required-metadata-properties"
	excWrongVersion      = "wrong-expected-version"
	excStreamDeleted     = "stream-deleted"
	excMissingMeta       = "missing-required-metadata-property"
	defaultCheckpointWin = 32
)

type streamsService struct {
	streams.UnimplementedStreamsServer
	srv *Server
}

// Append implements the client-streaming append: an options message, then
// the proposed events.
func (x *streamsService) Append(call streams.Streams_AppendServer) error {
	first, err := call.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	if name == "" {
		return status.Error(codes.InvalidArgument, "empty stream name")
	}
	var expected int64
	switch r := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Revision:
		expected = revisionToInt64(r.Revision)
	case *streams.AppendReq_Options_NoStream:
		expected = expectNoStream
	case *streams.AppendReq_Options_Any:
		expected = expectAny
	case *streams.AppendReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return status.Error(codes.InvalidArgument, "missing expected stream revision")
	}

	var events []proposed
	for {
		req, err := call.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		msg := req.GetProposedMessage()
		if msg == nil {
			return status.Error(codes.InvalidArgument, "expected a proposed message")
		}
		id, err := uuidFromProto(msg.GetId())
		if err != nil {
			return status.Error(codes.InvalidArgument, err.Error())
		}
		typ, ok := msg.GetMetadata()[metaType]
		if !ok {
			return missingMetadata(call, metaType)
		}
		ct, ok := msg.GetMetadata()[metaContentType]
		if !ok {
			return missingMetadata(call, metaContentType)
		}
		events = append(events, proposed{
			id: id, eventType: typ, contentType: ct,
			data: nonNil(msg.GetData()), metadata: nonNil(msg.GetCustomMetadata()),
		})
	}
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.id
	}

	d := x.srv.db
	d.mu.Lock()
	check := d.checkCommit(name, expected, ids)
	var resp *streams.AppendResp
	switch check.decision {
	case decisionDeleted:
		d.mu.Unlock()
		call.SetTrailer(streamDeletedTrailer(name))
		return streamDeletedStatus(name)
	case decisionWrongVersion:
		resp = wrongVersionResp(expected, check.current)
	case decisionIdempotent:
		rec := d.streams[name].events[check.last]
		resp = successResp(check.last, rec.pos)
	default:
		if last := d.write(name, check, events); last != nil {
			resp = successResp(last.revision, last.pos)
		} else {
			// An empty append only checks the expected version.
			resp = successResp(check.current, d.lastPos())
		}
	}
	d.mu.Unlock()
	return call.SendAndClose(resp)
}

func successResp(revision int64, pos uint64) *streams.AppendResp {
	ok := &streams.AppendResp_Success{
		PositionOption: &streams.AppendResp_Success_Position{
			Position: &streams.AppendResp_Position{CommitPosition: pos, PreparePosition: pos},
		},
	}
	if revision < 0 {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(revision)}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: ok}}
}

// wrongVersionResp is the body a v21+ server answers a failed check with; it
// fills the 20.6 fields too, as the server does.
func wrongVersionResp(expected, current int64) *streams.AppendResp {
	w := &streams.AppendResp_WrongExpectedVersion{}
	if current < 0 {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	switch expected {
	case expectAny:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case expectStreamExists:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case expectNoStream:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: math.MaxUint64}
	default:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: uint64(expected)}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Delete soft-deletes a stream.
func (x *streamsService) Delete(ctx context.Context, req *streams.DeleteReq) (*streams.DeleteResp, error) {
	o := req.GetOptions()
	name := string(o.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch r := o.GetExpectedStreamRevision().(type) {
	case *streams.DeleteReq_Options_Revision:
		expected = revisionToInt64(r.Revision)
	case *streams.DeleteReq_Options_NoStream:
		expected = expectNoStream
	case *streams.DeleteReq_Options_Any:
		expected = expectAny
	case *streams.DeleteReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return nil, status.Error(codes.InvalidArgument, "missing expected stream revision")
	}
	pos, err := x.delete(ctx, "Delete", name, expected, false)
	if err != nil {
		return nil, err
	}
	return &streams.DeleteResp{PositionOption: &streams.DeleteResp_Position_{
		Position: &streams.DeleteResp_Position{CommitPosition: pos, PreparePosition: pos},
	}}, nil
}

// Tombstone hard-deletes a stream.
func (x *streamsService) Tombstone(ctx context.Context, req *streams.TombstoneReq) (*streams.TombstoneResp, error) {
	o := req.GetOptions()
	name := string(o.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch r := o.GetExpectedStreamRevision().(type) {
	case *streams.TombstoneReq_Options_Revision:
		expected = revisionToInt64(r.Revision)
	case *streams.TombstoneReq_Options_NoStream:
		expected = expectNoStream
	case *streams.TombstoneReq_Options_Any:
		expected = expectAny
	case *streams.TombstoneReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return nil, status.Error(codes.InvalidArgument, "missing expected stream revision")
	}
	pos, err := x.delete(ctx, "Delete", name, expected, true)
	if err != nil {
		return nil, err
	}
	return &streams.TombstoneResp{PositionOption: &streams.TombstoneResp_Position_{
		Position: &streams.TombstoneResp_Position{CommitPosition: pos, PreparePosition: pos},
	}}, nil
}

// delete is the server's WriteDelete: the commit check of one new event id,
// then a tombstone (hard) or the $tb = max metadata (soft). Deleting a
// stream that has no events succeeds with Any or NoStream, as on the server.
func (x *streamsService) delete(ctx context.Context, op, name string, expected int64, hard bool) (uint64, error) {
	if name == "" {
		return 0, status.Error(codes.InvalidArgument, "empty stream name")
	}
	d := x.srv.db
	d.mu.Lock()
	defer d.mu.Unlock()
	check := d.checkCommit(name, expected, []uuid.UUID{uuid.New()})
	switch check.decision {
	case decisionDeleted:
		_ = grpc.SetTrailer(ctx, streamDeletedTrailer(name))
		return 0, streamDeletedStatus(name)
	case decisionWrongVersion:
		_ = grpc.SetTrailer(ctx, metadata.Pairs(
			trailerException, excWrongVersion,
			trailerStreamName, name,
			trailerExpected, strconv.FormatInt(expected, 10),
			trailerActual, strconv.FormatInt(check.current, 10),
		))
		return 0, status.Errorf(codes.FailedPrecondition,
			"%s failed due to WrongExpectedVersion. Stream: %s, Expected version: %d, Actual version: %d",
			op, name, expected, check.current)
	}
	if hard {
		return d.tombstone(name).pos, nil
	}
	return d.softDelete(name).pos, nil
}

// Read serves stream reads, $all reads and $all subscriptions.
func (x *streamsService) Read(req *streams.ReadReq, call streams.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "missing read options")
	}
	f, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	stringIDs := o.GetUuidOption().GetString_() != nil
	forwards := o.GetReadDirection() == streams.ReadReq_Options_Forwards

	switch c := o.GetCountOption().(type) {
	case *streams.ReadReq_Options_Subscription:
		if o.GetAll() == nil {
			return status.Error(codes.Unimplemented, "esdbfake: stream subscriptions are not implemented")
		}
		return x.subscribeAll(o.GetAll(), f, stringIDs, call)
	case *streams.ReadReq_Options_Count:
		if so := o.GetStream(); so != nil {
			return x.readStream(so, forwards, c.Count, stringIDs, call)
		}
		if ao := o.GetAll(); ao != nil {
			return x.readAll(ao, forwards, c.Count, f, stringIDs, call)
		}
		return status.Error(codes.InvalidArgument, "missing stream option")
	default:
		return status.Error(codes.InvalidArgument, "missing count option")
	}
}

func (x *streamsService) readStream(o *streams.ReadReq_Options_StreamOptions, forwards bool, count uint64, stringIDs bool, call streams.Streams_ReadServer) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	d := x.srv.db
	d.mu.Lock()
	st := d.streams[name]
	if st != nil && st.tombstoned {
		d.mu.Unlock()
		call.SetTrailer(streamDeletedTrailer(name))
		return streamDeletedStatus(name)
	}
	// The index reader answers NoStream for a stream without events and for
	// a soft-deleted one ($tb = max).
	if st == nil || len(st.events) == 0 || st.softDeleted {
		d.mu.Unlock()
		return call.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{
			StreamNotFound: &streams.ReadResp_StreamNotFound{
				StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
			},
		}})
	}
	last := int64(len(st.events)) - 1
	var out []*record
	if forwards {
		from := int64(0)
		switch r := o.GetRevisionOption().(type) {
		case *streams.ReadReq_Options_StreamOptions_Revision:
			from = revisionToInt64(r.Revision)
		case *streams.ReadReq_Options_StreamOptions_End:
			from = last + 1
		}
		from = max(from, st.truncateBefore)
		for r := from; r <= last && uint64(len(out)) < count; r++ {
			out = append(out, st.events[r])
		}
	} else {
		from := last
		switch r := o.GetRevisionOption().(type) {
		case *streams.ReadReq_Options_StreamOptions_Revision:
			from = min(revisionToInt64(r.Revision), last)
		case *streams.ReadReq_Options_StreamOptions_Start:
			from = 0
		}
		for r := from; r >= st.truncateBefore && r >= 0 && uint64(len(out)) < count; r-- {
			out = append(out, st.events[r])
		}
	}
	d.mu.Unlock()
	for _, r := range out {
		// Servers since 2022 (EventStore PR #3459) fill the $all position of
		// events read from a stream, but not the ReadEvent position.
		if err := call.Send(eventResp(r, stringIDs, false)); err != nil {
			return err
		}
	}
	return nil
}

func (x *streamsService) readAll(o *streams.ReadReq_Options_AllOptions, forwards bool, count uint64, f *filter, stringIDs bool, call streams.Streams_ReadServer) error {
	d := x.srv.db
	d.mu.Lock()
	var out []*record
	if forwards {
		// Inclusive: a read from an event's position starts with that event.
		i := 0
		switch a := o.GetAllOption().(type) {
		case *streams.ReadReq_Options_AllOptions_Position:
			i = d.firstAtOrAfter(a.Position.GetCommitPosition())
		case *streams.ReadReq_Options_AllOptions_End:
			i = len(d.log)
		}
		for ; i < len(d.log) && uint64(len(out)) < count; i++ {
			if f.match(d.log[i]) {
				out = append(out, d.log[i])
			}
		}
	} else {
		// Exclusive: a backward read from a position returns what is before it.
		i := len(d.log) - 1
		switch a := o.GetAllOption().(type) {
		case *streams.ReadReq_Options_AllOptions_Position:
			i = d.firstAtOrAfter(a.Position.GetCommitPosition()) - 1
		case *streams.ReadReq_Options_AllOptions_Start:
			i = -1
		}
		for ; i >= 0 && uint64(len(out)) < count; i-- {
			if f.match(d.log[i]) {
				out = append(out, d.log[i])
			}
		}
	}
	d.mu.Unlock()
	for _, r := range out {
		if err := call.Send(eventResp(r, stringIDs, true)); err != nil {
			return err
		}
	}
	return nil
}

// subscribeAll is a catch-up subscription to $all: Confirmation, the stored
// events after the start position (exclusive), CaughtUp, then live events.
// With a filter, a Checkpoint follows every window × multiplier scanned
// events.
func (x *streamsService) subscribeAll(o *streams.ReadReq_Options_AllOptions, f *filter, stringIDs bool, call streams.Streams_ReadServer) error {
	sub := x.srv.register()
	defer x.srv.unregister(sub)
	if err := call.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{
		Confirmation: &streams.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()},
	}}); err != nil {
		return err
	}

	d := x.srv.db
	d.mu.Lock()
	next := 0
	switch a := o.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Position:
		p := a.Position.GetCommitPosition()
		next = d.firstAtOrAfter(p)
		for next < len(d.log) && d.log[next].pos <= p {
			next++
		}
	case *streams.ReadReq_Options_AllOptions_End:
		next = len(d.log)
	}
	d.mu.Unlock()

	ctx := call.Context()
	scanned := 0
	caughtUp := false
	for {
		d.mu.Lock()
		batch := d.log[next:len(d.log):len(d.log)]
		changed := d.changed
		d.mu.Unlock()

		if len(batch) == 0 {
			if !caughtUp {
				caughtUp = true
				if err := call.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}}); err != nil {
					return err
				}
			}
			select {
			case <-changed:
				continue
			case err := <-sub.drop:
				return err
			case <-ctx.Done():
				return status.FromContextError(ctx.Err()).Err()
			}
		}
		for _, r := range batch {
			select {
			case err := <-sub.drop:
				return err
			default:
			}
			next++
			if f.match(r) {
				if err := call.Send(eventResp(r, stringIDs, true)); err != nil {
					return err
				}
			}
			if f != nil {
				if scanned++; scanned >= f.checkpointEvery {
					scanned = 0
					if err := call.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{
						Checkpoint: &streams.ReadResp_Checkpoint{CommitPosition: r.pos, PreparePosition: r.pos},
					}}); err != nil {
						return err
					}
				}
			}
		}
	}
}

func eventResp(r *record, stringIDs, withPosition bool) *streams.ReadResp {
	ev := &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               uuidToProto(r.id, stringIDs),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   uint64(r.revision),
			CommitPosition:   r.pos,
			PreparePosition:  r.pos,
			Metadata: map[string]string{
				metaType:        r.eventType,
				metaContentType: r.contentType,
				// .NET ticks (100 ns) since the Unix epoch.
				metaCreated: strconv.FormatInt(r.created.UnixNano()/100, 10),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
	}
	if withPosition {
		ev.Position = &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos}
	} else {
		ev.Position = &streams.ReadResp_ReadEvent_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: ev}}
}

// filter is a server-side $all filter: stream-name or event-type prefixes or
// a regular expression. A nil filter matches everything.
type filter struct {
	onStream        bool
	prefixes        []string
	re              *regexp.Regexp
	checkpointEvery int
}

func newFilter(o *streams.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	var expr *streams.ReadReq_Options_FilterOptions_Expression
	f := &filter{}
	switch {
	case o.GetStreamIdentifier() != nil:
		expr, f.onStream = o.GetStreamIdentifier(), true
	case o.GetEventType() != nil:
		expr = o.GetEventType()
	default:
		return nil, status.Error(codes.InvalidArgument, "filter without expression")
	}
	f.prefixes = expr.GetPrefix()
	if expr.GetRegex() != "" {
		re, err := regexp.Compile(expr.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.re = re
	}
	window := defaultCheckpointWin
	if m := o.GetMax(); m > 0 {
		window = int(m)
	}
	f.checkpointEvery = window * max(1, int(o.GetCheckpointIntervalMultiplier()))
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	s := r.eventType
	if f.onStream {
		s = r.stream
	}
	if f.re != nil {
		return f.re.MatchString(s)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func streamDeletedTrailer(name string) metadata.MD {
	return metadata.Pairs(trailerException, excStreamDeleted, trailerStreamName, name)
}

func streamDeletedStatus(name string) error {
	return status.Errorf(codes.FailedPrecondition, "Event stream '%s' is deleted.", name)
}

func missingMetadata(call grpc.ServerStream, key string) error {
	call.SetTrailer(metadata.Pairs(trailerException, excMissingMeta, trailerRequiredMeta, metaType+","+metaContentType))
	return status.Errorf(codes.InvalidArgument, "Required Metadata Property '%s' is missing", key)
}

func revisionToInt64(r uint64) int64 {
	if r > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(r)
}

func uuidFromProto(u *shared.UUID) (uuid.UUID, error) {
	switch v := u.GetValue().(type) {
	case *shared.UUID_Structured_:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(v.Structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(b[8:], uint64(v.Structured.GetLeastSignificantBits()))
		return uuid.UUID(b), nil
	case *shared.UUID_String_:
		id, err := uuid.Parse(v.String_)
		if err != nil {
			return uuid.Nil, fmt.Errorf("event id: %w", err)
		}
		return id, nil
	default:
		return uuid.Nil, fmt.Errorf("event id missing")
	}
}

func uuidToProto(id uuid.UUID, asString bool) *shared.UUID {
	if asString {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
