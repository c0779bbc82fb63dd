// Package ralendarlink is Roamio's binding of Ralendar accounts of another
// deployment (000, the web client's /ralendar-oauth/ calls): a Roamio user
// binds one or more Ralendar accounts through OAuth 2.0, one of them is the
// default that trips sync into, and its tokens and remote profile are kept
// sealed in the log with the personal-data vault (erasable with the user).
//
// Streams:
//
//	ralendarlink-<user id>  RalendarAccountBound, RalendarAccountTokensRenewed,
//	                        RalendarAccountTokenRejected, RalendarAccountSynced,
//	                        RalendarAccountDefaultSet, RalendarAccountUnbound
//
// An account's id is its number among the user's bindings (1, 2, …): the
// routes only ever name the caller's own. Tokens and the remote profile's
// username, e-mail and avatar are sealed by the command side before they
// reach an event: in the personal-data vault under the binding user's
// subject "user:<id>", so erasing the user shreds them. Their fields end
// in "_secret" and "_ref", so consumers of the log never get them
// (eventlog.HiddenFromConsumers).
package ralendarlink

import (
	"slices"
	"strconv"
	"time"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Category is the stream category of a user's bindings.
const Category = "ralendarlink"

// Stream is a user's bindings.
func Stream(userID int64) string { return eventlog.StreamID(Category, strconv.FormatInt(userID, 10)) }

// MaxAccounts bounds how many accounts one user binds.
const MaxAccounts = 10

// Wire names.
const (
	EventAccountBound         = "RalendarAccountBound_v1"
	EventAccountTokensRenewed = "RalendarAccountTokensRenewed_v1"
	EventAccountTokenRejected = "RalendarAccountTokenRejected_v1"
	EventAccountSynced        = "RalendarAccountSynced_v1"
	EventAccountDefaultSet    = "RalendarAccountDefaultSet_v1"
	EventAccountUnbound       = "RalendarAccountUnbound_v1"
)

// Profile is the remote account as its Ralendar describes it. In events
// (and the read model) Username, Email and Avatar are personal data: each
// is sealed in the personal-data vault for the subject "user:<id>" of the
// binding user (a reference, "" when empty), so erasing the user shreds
// them. RemoteUserID stays clear: it identifies the binding.
type Profile struct {
	RemoteUserID int64  `json:"remote_user_id"`
	Username     string `json:"username_ref"`
	Email        string `json:"email_ref"`
	Avatar       string `json:"avatar_ref"`
}

// Tokens are an account's tokens, sealed in the personal-data vault for
// the binding user's subject (unreadable once the user is erased), and
// when the access token expires.
type Tokens struct {
	AccessSealed  string    `json:"access_token_secret"`
	RefreshSealed string    `json:"refresh_token_secret"`
	AccessExpires time.Time `json:"access_expires_at"`
}

// RalendarAccountBound records a bound account (or a rebinding of the same
// remote account, with new tokens).
type RalendarAccountBound struct {
	UserID    int64     `json:"user_id"`
	AccountID int64     `json:"account_id"`
	Remote    string    `json:"remote"`
	Profile   Profile   `json:"profile"`
	Tokens    Tokens    `json:"tokens"`
	IsDefault bool      `json:"is_default"`
	BoundAt   time.Time `json:"bound_at"`
}

// RalendarAccountTokensRenewed records tokens from a refresh.
type RalendarAccountTokensRenewed struct {
	UserID    int64     `json:"user_id"`
	AccountID int64     `json:"account_id"`
	Tokens    Tokens    `json:"tokens"`
	RenewedAt time.Time `json:"renewed_at"`
}

// RalendarAccountTokenRejected records that the remote refused the refresh
// token: the user must authorize again.
type RalendarAccountTokenRejected struct {
	UserID     int64     `json:"user_id"`
	AccountID  int64     `json:"account_id"`
	RejectedAt time.Time `json:"rejected_at"`
}

// RalendarAccountSynced records a successful sync to the account.
type RalendarAccountSynced struct {
	UserID    int64     `json:"user_id"`
	AccountID int64     `json:"account_id"`
	SyncedAt  time.Time `json:"synced_at"`
}

// RalendarAccountDefaultSet records the account trips sync into.
type RalendarAccountDefaultSet struct {
	UserID    int64     `json:"user_id"`
	AccountID int64     `json:"account_id"`
	SetAt     time.Time `json:"set_at"`
}

// RalendarAccountUnbound records an unbinding.
type RalendarAccountUnbound struct {
	UserID    int64     `json:"user_id"`
	AccountID int64     `json:"account_id"`
	UnboundAt time.Time `json:"unbound_at"`
}

func (RalendarAccountBound) EventType() string         { return EventAccountBound }
func (RalendarAccountTokensRenewed) EventType() string { return EventAccountTokensRenewed }
func (RalendarAccountTokenRejected) EventType() string { return EventAccountTokenRejected }
func (RalendarAccountSynced) EventType() string        { return EventAccountSynced }
func (RalendarAccountDefaultSet) EventType() string    { return EventAccountDefaultSet }
func (RalendarAccountUnbound) EventType() string       { return EventAccountUnbound }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{RalendarAccountBound{}, RalendarAccountTokensRenewed{}, RalendarAccountTokenRejected{},
		RalendarAccountSynced{}, RalendarAccountDefaultSet{}, RalendarAccountUnbound{}}
}

// Errors.
var (
	// ErrAccountNotFound is an account the caller has not bound.
	ErrAccountNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")
	// ErrTooManyAccounts refuses a binding beyond MaxAccounts.
	ErrTooManyAccounts = fault.New(fault.Conflict, "TOO_MANY_ACCOUNTS", "Too many Ralendar accounts are bound.")
	// ErrNoAccount is a sync that needs a bound account when there is none.
	ErrNoAccount = fault.New(fault.Invalid, "NO_RALENDAR_ACCOUNT", "尚未绑定 Ralendar 账号,请先在个人中心绑定")
	// ErrTokenExpired is an account whose tokens the remote refuses, even
	// after a refresh: the user must authorize again.
	ErrTokenExpired = fault.New(fault.Forbidden, "TOKEN_EXPIRED", "Ralendar 授权已过期,请重新授权")
	// ErrRemoteUnavailable is the other Ralendar down, slow or answering
	// errors (or the circuit open after repeated failures).
	ErrRemoteUnavailable = fault.New(fault.Unavailable, "RALENDAR_UNAVAILABLE", "Ralendar 服务暂不可用,请稍后再试")
	// ErrInvalidState is an OAuth callback whose state is not one this
	// server issued to the caller, or has expired.
	ErrInvalidState = fault.New(fault.Invalid, "INVALID_STATE", "授权已过期,请重新尝试")
	// ErrTokenExchangeFailed is a code the other Ralendar refused.
	ErrTokenExchangeFailed = fault.New(fault.Invalid, "TOKEN_EXCHANGE_FAILED", "授权失败,请重新授权")
)

// Account is one bound account as the command side knows it.
type Account struct {
	ID            int64
	Remote        string
	Profile       Profile
	Tokens        Tokens
	TokenRejected bool
	BoundAt       time.Time
	LastSyncedAt  time.Time
}

// Links is a user's bindings, folded from their stream.
type Links struct {
	UserID   int64
	Accounts []Account // standing ones, in binding order
	Default  int64     // 0: none
	lastID   int64
}

// LinksFrom folds a user's stream.
func LinksFrom(history []eventlog.Envelope) Links {
	var l Links
	for _, env := range history {
		l.apply(env.Event)
	}
	return l
}

func (l *Links) find(id int64) int {
	return slices.IndexFunc(l.Accounts, func(a Account) bool { return a.ID == id })
}

func (l *Links) apply(e eventlog.Event) {
	switch e := e.(type) {
	case RalendarAccountBound:
		l.UserID = e.UserID
		l.lastID = max(l.lastID, e.AccountID)
		a := Account{ID: e.AccountID, Remote: e.Remote, Profile: e.Profile, Tokens: e.Tokens, BoundAt: e.BoundAt}
		if i := l.find(e.AccountID); i >= 0 {
			a.LastSyncedAt = l.Accounts[i].LastSyncedAt
			a.BoundAt = l.Accounts[i].BoundAt
			l.Accounts[i] = a
		} else {
			l.Accounts = append(l.Accounts, a)
		}
		if e.IsDefault {
			l.Default = e.AccountID
		}
	case RalendarAccountTokensRenewed:
		if i := l.find(e.AccountID); i >= 0 {
			l.Accounts[i].Tokens, l.Accounts[i].TokenRejected = e.Tokens, false
		}
	case RalendarAccountTokenRejected:
		if i := l.find(e.AccountID); i >= 0 {
			l.Accounts[i].TokenRejected = true
		}
	case RalendarAccountSynced:
		if i := l.find(e.AccountID); i >= 0 {
			l.Accounts[i].LastSyncedAt = e.SyncedAt
		}
	case RalendarAccountDefaultSet:
		l.Default = e.AccountID
	case RalendarAccountUnbound:
		if i := l.find(e.AccountID); i >= 0 {
			l.Accounts = slices.Delete(l.Accounts, i, i+1)
		}
		if l.Default == e.AccountID {
			l.Default = 0
		}
	}
}

// Account returns a standing account.
func (l Links) Account(id int64) (Account, error) {
	if i := l.find(id); i >= 0 {
		return l.Accounts[i], nil
	}
	return Account{}, ErrAccountNotFound
}

// DefaultAccount is the account trips sync into (ok false: none bound).
func (l Links) DefaultAccount() (Account, bool) {
	a, err := l.Account(l.Default)
	return a, err == nil
}

// Bind decides a binding: the same remote account (remote and remote user
// id) bound again gets the new tokens under its id; a new one the next id,
// and it is the default when no account is.
func (l Links) Bind(userID int64, remote string, p Profile, t Tokens, now time.Time) (RalendarAccountBound, error) {
	e := RalendarAccountBound{UserID: userID, Remote: remote, Profile: p, Tokens: t, BoundAt: now}
	for _, a := range l.Accounts {
		if a.Remote == remote && a.Profile.RemoteUserID == p.RemoteUserID {
			e.AccountID, e.IsDefault = a.ID, l.Default == a.ID
			return e, nil
		}
	}
	if len(l.Accounts) >= MaxAccounts {
		return e, ErrTooManyAccounts
	}
	e.AccountID, e.IsDefault = l.lastID+1, l.Default == 0
	return e, nil
}

// SetDefault decides the default account (nothing when it is already).
func (l Links) SetDefault(id int64, now time.Time) (*RalendarAccountDefaultSet, error) {
	if _, err := l.Account(id); err != nil {
		return nil, err
	}
	if l.Default == id {
		return nil, nil
	}
	return &RalendarAccountDefaultSet{UserID: l.UserID, AccountID: id, SetAt: now}, nil
}

// Unbind decides an unbinding; when it was the default, the oldest
// remaining account becomes the default.
func (l Links) Unbind(id int64, now time.Time) ([]eventlog.Event, error) {
	if _, err := l.Account(id); err != nil {
		return nil, err
	}
	out := []eventlog.Event{RalendarAccountUnbound{UserID: l.UserID, AccountID: id, UnboundAt: now}}
	if l.Default == id {
		for _, a := range l.Accounts {
			if a.ID != id {
				out = append(out, RalendarAccountDefaultSet{UserID: l.UserID, AccountID: a.ID, SetAt: now})
				break
			}
		}
	}
	return out, nil
}
