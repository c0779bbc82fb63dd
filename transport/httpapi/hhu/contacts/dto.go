package contactshttp

import contactsq "github.com/fiveapis/backend/queries/contacts"

// addressBookEntry is one contact as /contacts/ answers it: the fields of
// /current-user/meta/ with the department by name.
type addressBookEntry struct {
	User         int64  `json:"user"`
	Username     string `json:"username"`
	Name         string `json:"name"`
	Position     string `json:"position"`
	Department   string `json:"department"`
	DepartmentID *int64 `json:"department_id"`
	QQ           string `json:"qq"`
	Phone        string `json:"phone"`
	Mobile       string `json:"mobile"`
	IsColleague  bool   `json:"is_colleague"`
}

func toAddressBookEntry(x contactsq.Contact) addressBookEntry {
	return addressBookEntry{User: x.UserID, Username: x.Username, Name: x.Name, Position: x.Position,
		Department: x.Department, DepartmentID: x.DepartmentID, QQ: x.QQ, Phone: x.Phone, Mobile: x.Mobile, IsColleague: x.IsColleague}
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
