package cards

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/cards"
	"github.com/fiveapis/backend/domain/fault"
	"github.com/fiveapis/backend/transport/httpapi"
)

// maxBody bounds a request body of the card API.
const maxBody = 1 << 20

// body is a JSON object request body, its fields still raw, so that each field
// is checked for its type and a wrong one is reported by name.
type body map[string]json.RawMessage

// readBody reads a JSON object. An empty body is an empty object; anything
// else that is not a JSON object is INVALID_INPUT of the field "body". Form
// bodies (urlencoded or multipart) are read too, as DRF does: each field is a
// string (numbers and booleans given as text are accepted).
func readBody(c echo.Context) (body, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		form, err := c.FormParams()
		if err != nil {
			return nil, fault.Invalidf("body", "无法解析表单")
		}
		b := body{}
		for k, vs := range form {
			if len(vs) > 0 {
				raw, _ := json.Marshal(vs[0])
				b[k] = raw
			}
		}
		return b, nil
	}
	raw, err := httpapi.Body(c)
	if err != nil {
		return nil, fault.Invalidf("body", "无法读取请求体")
	}
	if len(raw) > maxBody {
		return nil, fault.Invalidf("body", "请求体过大")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return body{}, nil
	}
	var b body
	if err := json.Unmarshal(raw, &b); err == nil && b != nil {
		return b, nil
	}
	// Which of the two answers: a second decode, only for a bad body.
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&b); err != nil || b == nil {
		return nil, fault.Invalidf("body", "请求体必须是 JSON 对象")
	}
	return nil, fault.Invalidf("body", "请求体必须是单个 JSON 对象")
}

func isNull(r json.RawMessage) bool { return string(bytes.TrimSpace(r)) == "null" }

// str reads a string field: nil when absent; null is absent too unless the
// field is required.
func (b body) str(field string, required bool) (*string, error) {
	r, ok := b[field]
	if !ok || isNull(r) {
		if required {
			return nil, fault.Invalidf(field, "该字段是必填项")
		}
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return nil, fault.Invalidf(field, "必须是字符串")
	}
	return &s, nil
}

// nullableStr reads a string that may be explicitly null: set tells whether
// the field was present.
func (b body) nullableStr(field string) (val *string, set bool, err error) {
	r, ok := b[field]
	if !ok {
		return nil, false, nil
	}
	if isNull(r) {
		return nil, true, nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return nil, true, fault.Invalidf(field, "必须是字符串或 null")
	}
	return &s, true, nil
}

// integer reads a whole number; like Django REST framework it also accepts a
// string of digits.
func (b body) integer(field string, required bool) (*int64, error) {
	r, ok := b[field]
	if !ok || isNull(r) {
		if required {
			return nil, fault.Invalidf(field, "该字段是必填项")
		}
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fault.Invalidf(field, "必须是整数")
	}
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = strings.TrimSpace(x)
	default:
		return nil, fault.Invalidf(field, "必须是整数")
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fault.Invalidf(field, "必须是整数")
		}
		n = int64(f)
	}
	return &n, nil
}

// boolean reads true/false (also "true"/"false", 1/0 as Django REST framework does).
func (b body) boolean(field string) (*bool, error) {
	r, ok := b[field]
	if !ok || isNull(r) {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return nil, fault.Invalidf(field, "必须是布尔值")
	}
	t, err := parseBool(field, v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func parseBool(field string, v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case float64:
		if x == 1 || x == 0 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
	}
	return false, fault.Invalidf(field, "必须是布尔值")
}

// object reads a JSON object field (null: explicitly empty).
func (b body) object(field string) (val map[string]any, set bool, err error) {
	r, ok := b[field]
	if !ok {
		return nil, false, nil
	}
	if isNull(r) {
		return map[string]any{}, true, nil
	}
	if err := json.Unmarshal(r, &val); err != nil || val == nil {
		return nil, true, fault.Invalidf(field, "必须是 JSON 对象")
	}
	return val, true, nil
}

// templateInput reads a template request (002 §1.2).
func templateInput(b body) (cards.TemplateInput, error) {
	var (
		in  cards.TemplateInput
		err error
	)
	if in.Name, err = b.str("name", false); err != nil {
		return in, err
	}
	if in.Category, err = b.str("category", false); err != nil {
		return in, err
	}
	if in.Description, err = b.str("description", false); err != nil {
		return in, err
	}
	if in.Image, err = b.str("image", false); err != nil {
		return in, err
	}
	if in.Attributes, in.AttributesSet, err = b.object("attributes"); err != nil {
		return in, err
	}
	if in.Rarity, err = b.str("rarity", false); err != nil {
		return in, err
	}
	if in.IsActive, err = b.boolean("is_active"); err != nil {
		return in, err
	}
	return in, nil
}

// batchInput reads a batch request (002 §2.2).
func batchInput(b body) (cards.BatchInput, error) {
	var (
		in  cards.BatchInput
		err error
	)
	if in.Name, err = b.str("name", false); err != nil {
		return in, err
	}
	if in.TemplateID, err = b.integer("template", false); err != nil {
		return in, err
	}
	if in.TotalQuantity, err = b.integer("total_quantity", false); err != nil {
		return in, err
	}
	if in.ExpiryDate, in.ExpiryDateSet, err = b.nullableStr("expiry_date"); err != nil {
		return in, err
	}
	if in.ExpiryDate != nil && strings.TrimSpace(*in.ExpiryDate) == "" {
		in.ExpiryDate = nil
	}
	if in.BatchCode, err = b.str("batch_code", false); err != nil {
		return in, err
	}
	if in.QRCodeBaseURL, err = b.str("qr_code_base_url", false); err != nil {
		return in, err
	}
	if in.IsPublished, err = b.boolean("is_published"); err != nil {
		return in, err
	}
	return in, nil
}

// Query parameters.

func queryInt(c echo.Context, name string) (*int64, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fault.Invalidf(name, "必须是整数")
	}
	return &n, nil
}

func queryBool(c echo.Context, name string) (*bool, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return nil, nil
	}
	b, err := parseBool(name, v)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func queryCategory(c echo.Context, name string) (*string, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return nil, nil
	}
	cat, ok := cards.ParseCategory(v)
	if !ok {
		return nil, fault.Invalidf(name, "%q 不是有效的类别（dance/song/clothing/game）", v)
	}
	s := string(cat)
	return &s, nil
}

func queryDate(c echo.Context, name string) (*time.Time, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return nil, nil
	}
	d, err := cards.ParseDate(name, v)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// pathID reads an id path parameter; anything but a positive integer is
// answered with notFound.
func pathID(c echo.Context, name string, notFound error) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, notFound
	}
	return n, nil
}
