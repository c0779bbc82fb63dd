// Package webhooks is Roamio's webhook endpoints (000): URLs an
// administrator registers to be told of trip changes (trip.created,
// trip.updated, trip.deleted, trip.itinerary_updated).
//
// Streams:
//
//	webhookendpoint-<id>  WebhookEndpointRegistered, WebhookEndpointRemoved
//
// Endpoint ids come from the sequence "webhookendpoint". An endpoint's
// secret is not in the log: the delivering adapter derives it from the
// server's secret and the endpoint's id.
package webhooks

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/access"
	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Stream category and sequence.
const (
	EndpointCategory = "webhookendpoint"
	EndpointSequence = "webhookendpoint"
	MaxURLLength     = 500
)

// EndpointStream is an endpoint's stream.
func EndpointStream(id int64) string {
	return eventlog.StreamID(EndpointCategory, strconv.FormatInt(id, 10))
}

// Announcements.
const (
	TripCreated          = "trip.created"
	TripUpdated          = "trip.updated"
	TripDeleted          = "trip.deleted"
	TripItineraryUpdated = "trip.itinerary_updated"
)

// Kinds are every announcement an endpoint may subscribe to.
var Kinds = []string{TripCreated, TripUpdated, TripDeleted, TripItineraryUpdated}

// Wire names.
const (
	EventWebhookEndpointRegistered = "WebhookEndpointRegistered_v1"
	EventWebhookEndpointRemoved    = "WebhookEndpointRemoved_v1"
)

// WebhookEndpointRegistered records an endpoint and what it is told.
type WebhookEndpointRegistered struct {
	EndpointID   int64     `json:"endpoint_id"`
	URL          string    `json:"url"`
	Events       []string  `json:"events"`
	RegisteredBy int64     `json:"registered_by"`
	RegisteredAt time.Time `json:"registered_at"`
}

// WebhookEndpointRemoved records that an endpoint is told nothing more.
type WebhookEndpointRemoved struct {
	EndpointID int64     `json:"endpoint_id"`
	RemovedBy  int64     `json:"removed_by"`
	RemovedAt  time.Time `json:"removed_at"`
}

func (WebhookEndpointRegistered) EventType() string { return EventWebhookEndpointRegistered }
func (WebhookEndpointRemoved) EventType() string    { return EventWebhookEndpointRemoved }

// Events lists the package's events for the codec.
func Events() []eventlog.Event {
	return []eventlog.Event{WebhookEndpointRegistered{}, WebhookEndpointRemoved{}}
}

// ErrEndpointNotFound is an endpoint that does not exist or was removed.
var ErrEndpointNotFound = fault.New(fault.NotFound, "NOT_FOUND", "Not found.")

// ErrDeliveryNotFound is a delivery the endpoint never had.
var ErrDeliveryNotFound = fault.New(fault.NotFound, "DELIVERY_NOT_FOUND", "Not found.")

// ErrDeliveryNotParked is a replay of a delivery that is still pending or
// was delivered: only a parked delivery is replayed.
var ErrDeliveryNotParked = fault.New(fault.Conflict, "DELIVERY_NOT_PARKED", "Only a parked delivery can be replayed.")

// Register decides an administrator's new endpoint: an http(s) URL and
// known announcements (none: every one).
func Register(a access.Actor, id int64, rawURL string, events []string, now time.Time) (WebhookEndpointRegistered, error) {
	by, err := a.AdminUser()
	if err != nil {
		return WebhookEndpointRegistered{}, err
	}
	var errs []error
	u, perr := url.Parse(rawURL)
	switch {
	case rawURL == "":
		errs = append(errs, fault.Invalidf("url", "This field may not be blank."))
	case utf8.RuneCountInString(rawURL) > MaxURLLength:
		errs = append(errs, fault.Invalidf("url", "Ensure this field has no more than %d characters.", MaxURLLength))
	case perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, fault.Invalidf("url", "Enter a valid URL."))
	}
	if len(events) == 0 {
		events = slices.Clone(Kinds)
	}
	for _, e := range events {
		if !slices.Contains(Kinds, e) {
			errs = append(errs, fault.Invalidf("events", "\"%s\" is not a valid choice.", e))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return WebhookEndpointRegistered{}, err
	}
	return WebhookEndpointRegistered{EndpointID: id, URL: rawURL, Events: events, RegisteredBy: by, RegisteredAt: now}, nil
}

// Remove decides an endpoint's removal by an administrator.
func Remove(history []eventlog.Envelope, a access.Actor, now time.Time) (WebhookEndpointRemoved, error) {
	by, err := a.AdminUser()
	if err != nil {
		return WebhookEndpointRemoved{}, err
	}
	var id int64
	for _, env := range history {
		switch e := env.Event.(type) {
		case WebhookEndpointRegistered:
			id = e.EndpointID
		case WebhookEndpointRemoved:
			id = 0
		}
	}
	if id == 0 {
		return WebhookEndpointRemoved{}, ErrEndpointNotFound
	}
	return WebhookEndpointRemoved{EndpointID: id, RemovedBy: by, RemovedAt: now}, nil
}
