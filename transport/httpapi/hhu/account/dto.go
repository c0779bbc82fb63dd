package accounthttp

import (
	"time"

	identityq "github.com/fiveapis/backend/queries/identity"
)

// tokenJSON answers a login: DRF's ObtainAuthToken's {"token": key}.
type tokenJSON struct {
	Token string `json:"token"`
}

type currentUserJSON struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	Email        string     `json:"email"`
	IsStaff      bool       `json:"is_staff"`
	WechatBound  bool       `json:"wechat_bound"`
	DateJoined   time.Time  `json:"date_joined"`
	LastLogin    *time.Time `json:"last_login"`
	HasPassword  bool       `json:"has_password"`
	EmailChecked bool       `json:"email_verified"`
}

type metaJSON struct {
	User       int64  `json:"user"`
	Name       string `json:"name"`
	Position   string `json:"position"`
	Department string `json:"department"`
	QQ         string `json:"qq"`
	Phone      string `json:"phone"`
	Mobile     string `json:"mobile"`
}

func metaOf(id int64, c identityq.ContactInfo) metaJSON {
	return metaJSON{User: id, Name: c.Name, Position: c.Position, Department: c.Department, QQ: c.QQ, Phone: c.Phone, Mobile: c.Mobile}
}

// boundJSON answers a WeChat binding when the current user cannot be read.
type boundJSON struct {
	ID int64 `json:"id"`
}
