package app

// modules lists every module of the server, one line each. Adding a module
// is a wire_<context>.go file and a line here (docs/conventions.md).
func modules() []wiring {
	return []wiring{
		wireIdentity,
		wireCards,
		wireMeetingRooms,
		wireContacts,
		wireActivities,
		wireGuides,
		wireRepairs,
		wireTickets,
		wireCalendar,
		wireClockIn,
		wireTrips,
		wireComments,
		wireWebhooks,
		wireOperations,
		wireEventStream,
		wireForum,
		wireAlbums,
		wireTravelModels,
		wireAPIDocs,
		wireConsole,
	}
}
