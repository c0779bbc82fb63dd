package contactshttp

import (
	"cmp"
	"slices"
	"strings"

	contactsq "github.com/fiveapis/backend/queries/contacts"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// addressBookEntry is one contact as /contacts/ answers it to 001's
// clients: the fields of /current-user/meta/ with the department by name,
// and the original's that do not clash (fullname, alpha, is_friend, post,
// tel, wechat, description, user_meta).
type addressBookEntry struct {
	User         int64        `json:"user"`
	Username     string       `json:"username"`
	Name         string       `json:"name"`
	Position     string       `json:"position"`
	Department   string       `json:"department"`
	DepartmentID *int64       `json:"department_id"`
	QQ           string       `json:"qq"`
	Phone        string       `json:"phone"`
	Mobile       string       `json:"mobile"`
	IsColleague  bool         `json:"is_colleague"`
	Fullname     string       `json:"fullname"`
	Alpha        string       `json:"alpha"`
	IsFriend     bool         `json:"is_friend"`
	Post         string       `json:"post"`
	Tel          string       `json:"tel"`
	WeChat       string       `json:"wechat"`
	Description  string       `json:"description"`
	UserMeta     hhu.UserJSON `json:"user_meta"`
}

// miniProgramEntry is one contact as the mini-program reads it (the
// original's UserMetaSerializer, phone the mobile), with 001's names that do
// not clash.
type miniProgramEntry struct {
	User         int64        `json:"user"`
	UserMeta     hhu.UserJSON `json:"user_meta"`
	Post         string       `json:"post"`
	QQ           string       `json:"qq"`
	WeChat       string       `json:"wechat"`
	Tel          string       `json:"tel"`
	Phone        string       `json:"phone"`
	Description  string       `json:"description"`
	Fullname     string       `json:"fullname"`
	Alpha        string       `json:"alpha"`
	IsFriend     bool         `json:"is_friend"`
	Username     string       `json:"username"`
	Name         string       `json:"name"`
	Position     string       `json:"position"`
	Department   string       `json:"department"`
	DepartmentID *int64       `json:"department_id"`
	Mobile       string       `json:"mobile"`
	IsColleague  bool         `json:"is_colleague"`
}

// userMeta is the entry's user as the original serialized it.
func userMeta(x contactsq.Contact) hhu.UserJSON {
	u := hhu.UserJSON{ID: x.UserID, Username: x.Username, FirstName: x.FirstName, LastName: x.LastName, Email: x.Email, IsStaff: x.IsAdmin,
		IsActive: true, Groups: []int64{}}
	if !x.DateJoined.IsZero() {
		d := x.DateJoined.UTC()
		u.DateJoined = &d
	}
	if x.DepartmentID != nil {
		u.Department = &hhu.DepartmentJSON{ID: *x.DepartmentID, Name: x.Department}
	}
	return u
}

// entries renders contacts for 001's clients; alpha files each name under
// its initial.
func entries(list []contactsq.Contact, alpha hhu.Alphabet) []addressBookEntry {
	return hhu.RenderRows(list, func(x contactsq.Contact) addressBookEntry {
		return addressBookEntry{User: x.UserID, Username: x.Username, Name: x.Name, Position: x.Position,
			Department: x.Department, DepartmentID: x.DepartmentID, QQ: x.QQ, Phone: x.Phone, Mobile: x.Mobile, IsColleague: x.IsColleague,
			Fullname: x.Name, Alpha: alpha.Of(x.LastName, x.Name), IsFriend: x.IsColleague, Post: x.Position, Tel: x.Phone,
			WeChat: x.WeChat, Description: x.Description, UserMeta: userMeta(x)}
	})
}

// toAddressBookEntry renders one contact for 001's clients.
func toAddressBookEntry(x contactsq.Contact) addressBookEntry {
	return entries([]contactsq.Contact{x}, hhu.NewAlphabet())[0]
}

// miniProgramEntries renders contacts for the mini-program, by alpha (its
// index bar groups them in the order they come) and then user id.
func miniProgramEntries(list []contactsq.Contact) []miniProgramEntry {
	alpha := hhu.NewAlphabet()
	out := hhu.RenderRows(list, func(x contactsq.Contact) miniProgramEntry {
		return miniProgramEntry{User: x.UserID, UserMeta: userMeta(x), Post: x.Position, QQ: x.QQ, WeChat: x.WeChat, Tel: x.Phone,
			Phone: x.Mobile, Description: x.Description, Fullname: x.Name, Alpha: alpha.Of(x.LastName, x.Name), IsFriend: x.IsColleague,
			Username: x.Username, Name: x.Name, Position: x.Position, Department: x.Department, DepartmentID: x.DepartmentID,
			Mobile: x.Mobile, IsColleague: x.IsColleague}
	})
	slices.SortStableFunc(out, func(a, b miniProgramEntry) int {
		if c := strings.Compare(a.Alpha, b.Alpha); c != 0 {
			return c
		}
		return cmp.Compare(a.User, b.User)
	})
	return out
}

// contactsPage is DRF's page of address-book entries.
type contactsPage struct {
	Count    int                `json:"count"`
	Next     *string            `json:"next"`
	Previous *string            `json:"previous"`
	Results  []addressBookEntry `json:"results"`
}

type departmentJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func toDepartmentJSON(d contactsq.Department) departmentJSON {
	return departmentJSON{ID: d.ID, Name: d.Name}
}
