package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fiveapis/backend/domain/fault"
)

// FieldType is the kind of answer a form field takes.
type FieldType string

// The field types of an enrollment form.
const (
	Text        FieldType = "text"        // one line of text
	Textarea    FieldType = "textarea"    // longer text
	Number      FieldType = "number"      // a number (JSON number or numeric text)
	Choice      FieldType = "choice"      // one of Choices
	MultiChoice FieldType = "multichoice" // a list of distinct Choices
	Date        FieldType = "date"        // YYYY-MM-DD
	Phone       FieldType = "phone"       // digits, optionally with +, spaces and dashes
	Email       FieldType = "email"       // an e-mail address
)

// FieldTypes lists every field type, in the order the API documents them.
var FieldTypes = []FieldType{Text, Textarea, Number, Choice, MultiChoice, Date, Phone, Email}

// Limits of a form and its answers.
const (
	MaxFields          = 50
	MaxFieldNameLength = 64
	MaxLabelLength     = 128
	MaxChoices         = 100
	MaxChoiceLength    = 128
	MaxTextLength      = 1000
	MaxTextareaLength  = 10000
)

// Field is one question of an enrollment form.
type Field struct {
	Name     string    `json:"name"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Choices  []string  `json:"choices,omitempty"`
}

// HasChoices reports whether answers pick from Choices.
func (t FieldType) HasChoices() bool { return t == Choice || t == MultiChoice }

func (t FieldType) valid() bool { return slices.Contains(FieldTypes, t) }

// fieldName is what a field's name may look like: it is a key of the answers.
var fieldName = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*$`)

// NormalizeForm trims a form's text and drops choices of types without them.
func NormalizeForm(form []Field) []Field {
	out := make([]Field, len(form))
	for i, f := range form {
		f.Name = strings.TrimSpace(f.Name)
		f.Label = strings.TrimSpace(f.Label)
		f.Type = FieldType(strings.ToLower(strings.TrimSpace(string(f.Type))))
		if f.Type.HasChoices() {
			choices := make([]string, len(f.Choices))
			for j, c := range f.Choices {
				choices[j] = strings.TrimSpace(c)
			}
			f.Choices = choices
		} else {
			f.Choices = nil
		}
		out[i] = f
	}
	return out
}

// ValidateForm checks a (normalized) form. Errors name the offending part as
// "form[i].name", "form[i].label", "form[i].type" or "form[i].choices".
func ValidateForm(form []Field) error {
	if len(form) > MaxFields {
		return fault.Invalidf("form", "Ensure this field has no more than %d elements.", MaxFields)
	}
	var errs []error
	seen := map[string]int{}
	for i, f := range form {
		at := func(part string) string { return fmt.Sprintf("form[%d].%s", i, part) }
		switch {
		case f.Name == "":
			errs = append(errs, fault.Invalidf(at("name"), "This field may not be blank."))
		case utf8.RuneCountInString(f.Name) > MaxFieldNameLength:
			errs = append(errs, fault.Invalidf(at("name"), "Ensure this field has no more than %d characters.", MaxFieldNameLength))
		case !fieldName.MatchString(f.Name):
			errs = append(errs, fault.Invalidf(at("name"), "Enter a valid name: letters, digits and underscores, not starting with a digit."))
		default:
			if j, dup := seen[f.Name]; dup {
				errs = append(errs, fault.Invalidf(at("name"), "Field name %q is already used by form[%d].", f.Name, j))
			} else {
				seen[f.Name] = i
			}
		}
		switch {
		case f.Label == "":
			errs = append(errs, fault.Invalidf(at("label"), "This field may not be blank."))
		case utf8.RuneCountInString(f.Label) > MaxLabelLength:
			errs = append(errs, fault.Invalidf(at("label"), "Ensure this field has no more than %d characters.", MaxLabelLength))
		}
		if !f.Type.valid() {
			errs = append(errs, fault.Invalidf(at("type"), "\"%s\" is not a valid choice.", f.Type))
			continue
		}
		if f.Type.HasChoices() {
			if err := validateChoices(f.Choices, at("choices")); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func validateChoices(choices []string, field string) error {
	switch {
	case len(choices) == 0:
		return fault.Invalidf(field, "A choice field needs at least one choice.")
	case len(choices) > MaxChoices:
		return fault.Invalidf(field, "Ensure this field has no more than %d elements.", MaxChoices)
	}
	seen := map[string]bool{}
	for j, c := range choices {
		switch {
		case c == "":
			return fault.Invalidf(field, "Choice %d may not be blank.", j)
		case utf8.RuneCountInString(c) > MaxChoiceLength:
			return fault.Invalidf(field, "Choice %d has more than %d characters.", j, MaxChoiceLength)
		case seen[c]:
			return fault.Invalidf(field, "Choice %q appears twice.", c)
		}
		seen[c] = true
	}
	return nil
}

// phonePattern accepts phone numbers as people type them.
var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 -]{3,22}[0-9]$`)

// CheckAnswers validates raw answers (decoded JSON: string, json.Number,
// float64, bool, []any or nil) against the form and returns them normalized:
// text types as trimmed strings, numbers as float64, multichoice as []string.
// A field that is absent, null or blank is unanswered; a required field must
// be answered. Keys that are not fields of the form are refused. Errors name
// the field as "answers.<name>".
func CheckAnswers(form []Field, raw map[string]any) (map[string]any, error) {
	var errs []error
	out := map[string]any{}
	known := map[string]bool{}
	for _, f := range form {
		known[f.Name] = true
		key := "answers." + f.Name
		v, err := checkAnswer(f, raw[f.Name])
		switch {
		case err != nil:
			errs = append(errs, fault.Invalidf(key, "%s", err.Error()))
		case v == nil && f.Required:
			errs = append(errs, fault.Invalidf(key, "This field is required."))
		case v != nil:
			out[f.Name] = v
		}
	}
	unknown := make([]string, 0)
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		errs = append(errs, fault.Invalidf("answers."+k, "This field is not part of the activity's enrollment form."))
	}
	return out, errors.Join(errs...)
}

// checkAnswer returns the normalized answer (nil: unanswered) or why it is
// not valid.
func checkAnswer(f Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if f.Type == MultiChoice {
		return checkMultiChoice(f, v)
	}
	s, ok := scalarText(v)
	if !ok {
		return nil, errors.New("Not a valid string.")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	switch f.Type {
	case Text, Textarea:
		limit := MaxTextLength
		if f.Type == Textarea {
			limit = MaxTextareaLength
		}
		if utf8.RuneCountInString(s) > limit {
			return nil, fmt.Errorf("Ensure this field has no more than %d characters.", limit)
		}
		return s, nil
	case Number:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n != n || n > 1e15 || n < -1e15 {
			return nil, errors.New("A valid number is required.")
		}
		return n, nil
	case Choice:
		if !slices.Contains(f.Choices, s) {
			return nil, fmt.Errorf("\"%s\" is not a valid choice.", s)
		}
		return s, nil
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, errors.New("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
		}
		return s, nil
	case Phone:
		if !phonePattern.MatchString(s) {
			return nil, errors.New("Enter a valid phone number.")
		}
		return s, nil
	case Email:
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return nil, errors.New("Enter a valid email address.")
		}
		return s, nil
	}
	return nil, fmt.Errorf("field type %q cannot be answered", f.Type)
}

func checkMultiChoice(f Field, v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("Expected a list of items but got type \"%s\".", typeName(v))
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, errors.New("Not a valid string.")
		}
		s = strings.TrimSpace(s)
		switch {
		case !slices.Contains(f.Choices, s):
			return nil, fmt.Errorf("\"%s\" is not a valid choice.", s)
		case slices.Contains(out, s):
			return nil, fmt.Errorf("\"%s\" is chosen twice.", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// scalarText is a scalar answer as text, as DRF's CharField reads numbers.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	}
	return "", false
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case json.Number, float64, int, int64:
		return "number"
	case bool:
		return "bool"
	case map[string]any:
		return "dict"
	}
	return "unknown"
}
