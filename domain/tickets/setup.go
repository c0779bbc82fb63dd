package tickets

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/eventlog"
	"github.com/fiveapis/backend/domain/fault"
)

// Kinds of place.
const (
	PlaceArea    = "area"
	PlaceVillage = "village"
)

// Castings: the roles an admin activates for a place.
const (
	CastingChief          = "chief"          // 村里長, of a village
	CastingOfficer        = "officer"        // 村里幹事, of a village
	CastingRepresentative = "representative" // 代表, of an area
	CastingCouncillor     = "councillor"     // 議員, of an area
)

// Castings lists the castings with the seed's names for them.
var Castings = []struct{ Code, Name, Place string }{
	{CastingChief, "村里長", PlaceVillage},
	{CastingOfficer, "村里幹事", PlaceVillage},
	{CastingRepresentative, "代表", PlaceArea},
	{CastingCouncillor, "議員", PlaceArea},
}

// ParseCasting reads a casting given as its code or its seed name.
func ParseCasting(s string) (code, place string, ok bool) {
	s = strings.TrimSpace(s)
	for _, c := range Castings {
		if s == c.Code || s == c.Name {
			return c.Code, c.Place, true
		}
	}
	return "", "", false
}

// CastingName is a casting's seed name.
func CastingName(code string) string {
	for _, c := range Castings {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

// Limits of names.
const (
	MaxNameLength = 64
	MaxSlagLength = 64
)

// Errors of the setup and the castings.
var (
	ErrAreaNotFound = fault.New(fault.NotFound, "NOT_FOUND", "area not found")
	ErrRoleNotFound = fault.New(fault.NotFound, "NOT_FOUND", "role not found")
)

// Area is a place.
type Area struct {
	ID       int64
	Name     string
	Kind     string
	ParentID int64
}

// Cluster is what tickets are filed under.
type Cluster struct {
	ID   int64
	Name string
	Slag string
}

// Setup is the places and clusters, folded from the setup stream.
type Setup struct {
	Areas    map[int64]Area
	Clusters map[int64]Cluster
	nextArea int64
	nextClus int64
}

// SetupFrom folds the setup stream.
func SetupFrom(history []eventlog.Envelope) Setup {
	s := Setup{Areas: map[int64]Area{}, Clusters: map[int64]Cluster{}}
	for _, env := range history {
		switch e := env.Event.(type) {
		case AreaAdded:
			s.Areas[e.AreaID] = Area{ID: e.AreaID, Name: e.Name, Kind: e.Kind, ParentID: e.ParentID}
			s.nextArea = max(s.nextArea, e.AreaID)
		case AreaRenamed:
			if a, ok := s.Areas[e.AreaID]; ok {
				a.Name = e.Name
				s.Areas[e.AreaID] = a
			}
		case ClusterAdded:
			s.Clusters[e.ClusterID] = Cluster{ID: e.ClusterID, Name: e.Name, Slag: e.Slag}
			s.nextClus = max(s.nextClus, e.ClusterID)
		}
	}
	return s
}

func checkName(field, v string, maxLen int) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", fault.Invalidf(field, "This field may not be blank.")
	case utf8.RuneCountInString(v) > maxLen:
		return "", fault.Invalidf(field, "Ensure this field has no more than %d characters.", maxLen)
	}
	return v, nil
}

// AddArea decides a new place: an area has no parent; a village's parent is
// an area.
func AddArea(s Setup, name, kind string, parentID, by int64, now time.Time) (AreaAdded, error) {
	name, err := checkName("name", name, MaxNameLength)
	if err != nil {
		return AreaAdded{}, err
	}
	switch kind {
	case PlaceArea:
		if parentID != 0 {
			return AreaAdded{}, fault.Invalidf("parent", "An area has no parent.")
		}
	case PlaceVillage:
		if p, ok := s.Areas[parentID]; !ok || p.Kind != PlaceArea {
			return AreaAdded{}, fault.Invalidf("parent", "A village needs an existing area as its parent.")
		}
	default:
		return AreaAdded{}, fault.Invalidf("kind", "\"%s\" is not a valid choice (area, village).", kind)
	}
	return AreaAdded{AreaID: s.nextArea + 1, Name: name, Kind: kind, ParentID: parentID, AddedBy: by, AddedAt: now}, nil
}

// RenameArea decides a place's new name; the same name appends nothing.
func RenameArea(s Setup, id int64, name string, by int64, now time.Time) (*AreaRenamed, error) {
	a, ok := s.Areas[id]
	if !ok {
		return nil, ErrAreaNotFound
	}
	name, err := checkName("name", name, MaxNameLength)
	if err != nil || name == a.Name {
		return nil, err
	}
	return &AreaRenamed{AreaID: id, Name: name, RenamedBy: by, RenamedAt: now}, nil
}

// AddCluster decides a new cluster.
func AddCluster(s Setup, name, slag string, by int64, now time.Time) (ClusterAdded, error) {
	name, err := checkName("name", name, MaxNameLength)
	if err != nil {
		return ClusterAdded{}, err
	}
	slag = strings.TrimSpace(slag)
	if slag == "" {
		slag = "."
	}
	if utf8.RuneCountInString(slag) > MaxSlagLength {
		return ClusterAdded{}, fault.Invalidf("slag", "Ensure this field has no more than %d characters.", MaxSlagLength)
	}
	return ClusterAdded{ClusterID: s.nextClus + 1, Name: name, Slag: slag, AddedBy: by, AddedAt: now}, nil
}

// Role is one casting of a user for a place.
type Role struct {
	ID      int64
	Casting string
	AreaID  int64
	Active  bool
}

// Casting is a user's roles, folded from their casting stream.
type Casting struct {
	UserID int64
	Roles  map[int64]Role
}

// CastingFrom folds a user's casting stream.
func CastingFrom(userID int64, history []eventlog.Envelope) Casting {
	c := Casting{UserID: userID, Roles: map[int64]Role{}}
	for _, env := range history {
		switch e := env.Event.(type) {
		case RoleActivated:
			c.Roles[e.RoleID] = Role{ID: e.RoleID, Casting: e.Casting, AreaID: e.AreaID, Active: true}
		case RoleRevoked:
			if r, ok := c.Roles[e.RoleID]; ok {
				r.Active = false
				c.Roles[e.RoleID] = r
			}
		}
	}
	return c
}

// Active returns the active role of a casting for a place, if any.
func (c Casting) Active(casting string, areaID int64) (Role, bool) {
	for _, r := range c.Roles {
		if r.Active && r.Casting == casting && r.AreaID == areaID {
			return r, true
		}
	}
	return Role{}, false
}

// Covers reports whether one of the active roles is for the village or the
// area given (a village's chief and officer, an area's representative and
// councillor).
func (c Casting) Covers(villageID, areaID int64) bool {
	for _, r := range c.Roles {
		if r.Active && (r.AreaID == villageID || r.AreaID == areaID) {
			return true
		}
	}
	return false
}

// ActivateRole decides an admin's activation of a casting for a place (code
// or seed name); an active role of the same casting and place is returned
// as it is (nothing appended: existing is true).
func ActivateRole(s Setup, c Casting, roleID int64, casting string, areaID, by int64, now time.Time) (e RoleActivated, existing bool, err error) {
	code, place, ok := ParseCasting(casting)
	if !ok {
		return RoleActivated{}, false, fault.Invalidf("casting", "\"%s\" is not a valid choice (村里長, 村里幹事, 代表, 議員).", casting)
	}
	a, ok := s.Areas[areaID]
	if !ok || a.Kind != place {
		return RoleActivated{}, false, fault.Invalidf("area", "A %s needs an existing %s.", CastingName(code), place)
	}
	if r, ok := c.Active(code, areaID); ok {
		return RoleActivated{RoleID: r.ID, UserID: c.UserID, Casting: code, AreaID: areaID}, true, nil
	}
	return RoleActivated{RoleID: roleID, UserID: c.UserID, Casting: code, AreaID: areaID, ActivatedBy: by, ActivatedAt: now}, false, nil
}

// RevokeRole decides the end of a role; an inactive one appends nothing.
func RevokeRole(c Casting, roleID, by int64, now time.Time) (*RoleRevoked, error) {
	r, ok := c.Roles[roleID]
	if !ok {
		return nil, ErrRoleNotFound
	}
	if !r.Active {
		return nil, nil
	}
	return &RoleRevoked{RoleID: roleID, UserID: c.UserID, RevokedBy: by, RevokedAt: now}, nil
}
