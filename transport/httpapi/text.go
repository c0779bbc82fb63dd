package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/fiveapis/backend/domain/fault"
)

// CheckText refuses text that no read model can store and no client has a
// reason to send: invalid UTF-8, NUL and the other control characters (tab,
// line feed and carriage return excepted), in path parameters, query
// parameters, form fields and JSON strings and keys at any depth. The error
// is a fault.Invalid naming the field ("description", "answers.phone",
// "items[2].name"), which the API's error table answers as its 400. Every
// route a Router adds is checked before its handler runs, so nothing a
// client sends reaches the log in a form the read models cannot store.
func CheckText(c echo.Context) error {
	for i, name := range c.ParamNames() {
		if v := c.ParamValues()[i]; badText(v) {
			return textFault(name)
		}
	}
	for name, vs := range c.QueryParams() {
		if badText(name) {
			return textFault("query")
		}
		for _, v := range vs {
			if badText(v) {
				return textFault(name)
			}
		}
	}
	req := c.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch {
	case ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm:
		if err := req.ParseMultipartForm(maxFormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return tooLarge(err) // else the handler answers the malformed form in the API's words
		}
		for name, vs := range req.PostForm {
			if badText(name) {
				return textFault("form")
			}
			for _, v := range vs {
				if badText(v) {
					return textFault(name)
				}
			}
		}
		if req.MultipartForm != nil {
			for name, vs := range req.MultipartForm.Value {
				for _, v := range vs {
					if badText(name) || badText(v) {
						return textFault(name)
					}
				}
			}
		}
		return nil
	case ct == "" || ct == echo.MIMEApplicationJSON || strings.HasSuffix(ct, "+json"):
		body, err := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return tooLarge(err) // else the handler meets the same error
		}
		c.Set(bodyKey, body)
		return checkJSON(body)
	}
	return nil
}

// bodyKey is where CheckText keeps a JSON body it read.
const bodyKey = "httpapi.body"

// Body returns the request body: the bytes CheckText already read for a JSON
// body, else what is left to read (up to the route's limit). Handlers that
// want the bytes call it instead of reading the body a second time.
func Body(c echo.Context) ([]byte, error) {
	if b, ok := c.Get(bodyKey).([]byte); ok {
		return b, nil
	}
	body := c.Request().Body
	if body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("httpapi: read the request body: %w", err)
	}
	return b, nil
}

// tooLarge is the fault for a body read past its route's limit
// (limitedBody), nil for any other read error.
func tooLarge(err error) error {
	if tl := new(http.MaxBytesError); errors.As(err, &tl) {
		return bodyTooLarge(tl.Limit)
	}
	return nil
}

// maxFormMemory is how much of a multipart form is kept in memory; the rest
// of its files goes to temporary files, as net/http does.
const maxFormMemory = 32 << 20

// checkJSON walks a JSON document's strings and keys; a document that does
// not parse is left to the handler (the API's parse error).
func checkJSON(body []byte) error {
	if plainText(body) {
		return nil
	}
	invalidAt := -1
	if !utf8.Valid(body) {
		invalidAt = firstInvalidUTF8(body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var path []pathElem
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			if invalidAt >= 0 {
				return textFault("non_field_errors")
			}
			return nil
		}
		after := dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				path = append(path, pathElem{object: true})
			case '[':
				path = append(path, pathElem{index: -1})
			default:
				path = path[:len(path)-1]
				advance(path)
			}
			continue
		case string:
			inKey := len(path) > 0 && path[len(path)-1].object && !path[len(path)-1].hasKey
			if inKey {
				path[len(path)-1].key, path[len(path)-1].hasKey = t, true
				if badText(t) || invalidAt >= int(before) && invalidAt < int(after) {
					return textFault(fieldOf(path))
				}
				continue
			}
			if badText(t) || invalidAt >= int(before) && invalidAt < int(after) {
				return textFault(fieldOf(path))
			}
		}
		advance(path)
	}
}

// plainText reports that no string or key of the JSON document body can
// hold a character badText refuses: the bytes are valid UTF-8 without control
// characters other than tab, line feed and carriage return, and no escape can
// decode to one (\u, \b and \f). Most bodies are plain, and this byte scan
// spares them the token walk (its allocation per token); any other body is
// walked to name the field.
func plainText(body []byte) bool {
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			switch {
			case refusedASCII(c):
				return false
			case c == '\\' && i+1 < len(body):
				if e := body[i+1]; e == 'u' || e == 'b' || e == 'f' {
					return false
				}
				i += 2 // an escaped character, '\\' included
				continue
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if refusedRune(r, size) {
			return false
		}
		i += size
	}
	return true
}

// pathElem is one level of the place being read in a JSON document.
type pathElem struct {
	object bool
	key    string
	hasKey bool // the key is read, the value is next
	index  int
}

// advance moves past a value: in an object, to the next key; in an array,
// to the next index.
func advance(path []pathElem) {
	if len(path) == 0 {
		return
	}
	p := &path[len(path)-1]
	if p.object {
		p.hasKey = false
		return
	}
	p.index++
}

// fieldOf names the field at path: keys joined by dots, array indexes in
// brackets; a value at the top is "non_field_errors".
func fieldOf(path []pathElem) string {
	var b strings.Builder
	for _, p := range path {
		switch {
		case p.object && p.key != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p.key)
		case !p.object:
			b.WriteString("[" + strconv.Itoa(p.index+1) + "]")
		}
	}
	if b.Len() == 0 {
		return "non_field_errors"
	}
	return b.String()
}

// badText reports invalid UTF-8, NUL or a control character other than tab,
// line feed and carriage return.
func badText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if refusedASCII(c) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if refusedRune(r, size) {
			return true
		}
		i += size
	}
	return false
}

// refusedASCII reports an ASCII control character other than tab, line feed
// and carriage return.
func refusedASCII(c byte) bool {
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f
}

// refusedRune reports a decoded rune of invalid UTF-8 (RuneError of one byte)
// or a C1 control character.
func refusedRune(r rune, size int) bool {
	return r == utf8.RuneError && size == 1 || r >= 0x80 && r < 0xa0
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func textFault(field string) error {
	return fault.Invalidf(field, "contains characters that are not allowed (NUL, control characters or invalid UTF-8)")
}
