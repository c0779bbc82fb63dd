package repairshttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	repairscmd "github.com/fiveapis/backend/commands/repairs"
	"github.com/fiveapis/backend/domain/repairs"
	repairsq "github.com/fiveapis/backend/queries/repairs"
	"github.com/fiveapis/backend/transport/httpapi"
	"github.com/fiveapis/backend/transport/httpapi/drf"
	"github.com/fiveapis/backend/transport/httpapi/hhu"
)

// listAddresses: GET /api/admin/hhu/repairs/addresses/.
func (h *Handlers) listAddresses(c echo.Context) error {
	as, err := h.d.Queries.ListAddresses(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hhu.RenderRows(as, addressRow))
}

// getAddress: GET /api/admin/hhu/repairs/addresses/{id}/.
func (h *Handlers) getAddress(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.d.Queries.GetAddress(c.Request().Context(), id)
	if errors.Is(err, repairsq.ErrNotFound) {
		return hhu.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, addressRow(a))
}

// addAddress: POST /api/admin/hhu/repairs/addresses/ {email, categories} → 201.
func (h *Handlers) addAddress(c echo.Context) error {
	patch, err := readAddress(c, false)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.AddAddress(c.Request().Context(), repairscmd.AddAddress{Actor: httpapi.Actor(c),
		Spec: repairs.AddressSpec{Email: *patch.Email, CategoryIDs: *patch.CategoryIDs}, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	a := res.Address
	return c.JSON(http.StatusCreated, toAddressJSON(a.ID, a.Email, a.CategoryIDs))
}

// putAddress: PUT /api/admin/hhu/repairs/addresses/{id}/ (categories absent: every category).
func (h *Handlers) putAddress(c echo.Context) error { return h.changeAddress(c, false) }

// patchAddress: PATCH /api/admin/hhu/repairs/addresses/{id}/ with some fields.
func (h *Handlers) patchAddress(c echo.Context) error { return h.changeAddress(c, true) }

func (h *Handlers) changeAddress(c echo.Context, partial bool) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	patch, err := readAddress(c, partial)
	if err != nil {
		return err
	}
	res, err := h.d.Commands.ChangeAddress(c.Request().Context(), repairscmd.ChangeAddress{Actor: httpapi.Actor(c), AddressID: id,
		Patch: patch, Meta: httpapi.EventMeta(c, h.d.Clock.Now())})
	if err != nil {
		return err
	}
	a := res.Address
	return c.JSON(http.StatusOK, toAddressJSON(a.ID, a.Email, a.CategoryIDs))
}

// removeAddress: DELETE /api/admin/hhu/repairs/addresses/{id}/ → 204.
func (h *Handlers) removeAddress(c echo.Context) error {
	id, err := hhu.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.d.Commands.RemoveAddress(c.Request().Context(), repairscmd.RemoveAddress{Actor: httpapi.Actor(c), AddressID: id,
		Meta: httpapi.EventMeta(c, h.d.Clock.Now())}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// readAddress reads {email, categories: [ids]} of a JSON or form body
// (categories repeated in a form); partial leaves absent fields nil.
func readAddress(c echo.Context, partial bool) (p repairs.AddressPatch, err error) {
	req := c.Request()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return p, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	f, err := drf.ReadForm(c)
	if err != nil {
		return p, err
	}
	errs := drf.FieldErrors{}
	if !partial || f.Has("email") {
		if s, ok := f.Str("email", errs, false); ok {
			p.Email = &s
		}
	}
	if f.Has("categories") {
		ids, ok := categoryList(req, body, errs)
		if ok {
			p.CategoryIDs = &ids
		}
	} else if !partial {
		none := []int64{}
		p.CategoryIDs = &none
	}
	return p, errs.Err()
}

// categoryList reads the categories field as DRF's many=True
// PrimaryKeyRelatedField does: a list of ids (numbers or numeric strings).
func categoryList(req *http.Request, body []byte, errs drf.FieldErrors) ([]int64, bool) {
	var raw []any
	if ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm {
		for _, v := range req.Form["categories"] {
			if strings.TrimSpace(v) != "" {
				raw = append(raw, v)
			}
		}
	} else {
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(body, &obj)
		dec := json.NewDecoder(bytes.NewReader(obj["categories"]))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			errs.Add("categories", `Expected a list of items but got type "str".`)
			return nil, false
		}
		switch v := v.(type) {
		case []any:
			raw = v
		case nil:
			errs.Add("categories", "This field may not be null.")
			return nil, false
		default:
			errs.Add("categories", `Expected a list of items but got type "`+jsonTypeName(v)+`".`)
			return nil, false
		}
	}
	ids := make([]int64, 0, len(raw))
	for _, v := range raw {
		var s string
		switch v := v.(type) {
		case string:
			s = strings.TrimSpace(v)
		case json.Number:
			s = v.String()
		default:
			errs.Add("categories", `Incorrect type. Expected pk value, received `+jsonTypeName(v)+`.`)
			return nil, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs.Add("categories", `Incorrect type. Expected pk value, received str.`)
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, true
}

// jsonTypeName is Python's name of a decoded JSON value's type, as DRF's
// messages say it.
func jsonTypeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case json.Number:
		return "int"
	case bool:
		return "bool"
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	case nil:
		return "NoneType"
	}
	return "object"
}
