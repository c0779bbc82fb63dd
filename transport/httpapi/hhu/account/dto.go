package accounthttp

import (
	"time"

	identityq "github.com/fiveapis/backend/queries/identity"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// tokenJSON answers a login: DRF's ObtainAuthToken's {"token": key}.
type tokenJSON struct {
	Token string `json:"token"`
}

// currentUserJSON is GET /current-user/: 001's fields and, for the
// mini-program, the original's (first_name, last_name, is_active, groups,
// department: {id, name} or null).
type currentUserJSON struct {
	ID           int64               `json:"id"`
	Username     string              `json:"username"`
	Email        string              `json:"email"`
	IsStaff      bool                `json:"is_staff"`
	WechatBound  bool                `json:"wechat_bound"`
	DateJoined   time.Time           `json:"date_joined"`
	LastLogin    *time.Time          `json:"last_login"`
	HasPassword  bool                `json:"has_password"`
	EmailChecked bool                `json:"email_verified"`
	FirstName    string              `json:"first_name"`
	LastName     string              `json:"last_name"`
	IsActive     bool                `json:"is_active"`
	Groups       []int64             `json:"groups"`
	Department   *hhu.DepartmentJSON `json:"department"`
	// IsMember: on 001's staff (docs/identity.md, "Membership").
	IsMember bool `json:"is_member"`
}

// metaJSON is /current-user/meta/: 001's fields (phone the landline, mobile
// the mobile) and the original's that do not clash (post, tel, wechat,
// description, fullname, alpha).
type metaJSON struct {
	User        int64  `json:"user"`
	Name        string `json:"name"`
	Position    string `json:"position"`
	Department  string `json:"department"`
	QQ          string `json:"qq"`
	Phone       string `json:"phone"`
	Mobile      string `json:"mobile"`
	Post        string `json:"post"`
	Tel         string `json:"tel"`
	WeChat      string `json:"wechat"`
	Description string `json:"description"`
	Fullname    string `json:"fullname"`
	Alpha       string `json:"alpha"`
}

func metaOf(id int64, c identityq.ContactInfo) metaJSON {
	return metaJSON{User: id, Name: c.Name, Position: c.Position, Department: c.Department, QQ: c.QQ, Phone: c.Phone, Mobile: c.Mobile,
		Post: c.Position, Tel: c.Phone, WeChat: c.WeChat, Description: c.Description, Fullname: c.Name, Alpha: hhu.Alpha(c.LastName, c.Name)}
}

// miniProgramMetaJSON is /current-user/meta/ as the mini-program reads it
// (the original's UserMetaSerializer): phone is the mobile there, tel the
// landline; user_meta the user.
type miniProgramMetaJSON struct {
	User        int64        `json:"user"`
	UserMeta    hhu.UserJSON `json:"user_meta"`
	Post        string       `json:"post"`
	QQ          string       `json:"qq"`
	WeChat      string       `json:"wechat"`
	Tel         string       `json:"tel"`
	Phone       string       `json:"phone"`
	Description string       `json:"description"`
	Fullname    string       `json:"fullname"`
	Alpha       string       `json:"alpha"`
	IsFriend    bool         `json:"is_friend"`
	Name        string       `json:"name"`
	Position    string       `json:"position"`
	Department  string       `json:"department"`
	Mobile      string       `json:"mobile"`
}

// boundJSON answers a WeChat binding when the current user cannot be read.
type boundJSON struct {
	ID int64 `json:"id"`
}
