package activitieshttp

import (
	"bytes"
	"encoding/json"

	"github.com/fiveapis/backend/domain/activities"
	activitiesq "github.com/fiveapis/backend/queries/activities"
)

// The mini-program's enrollment form (the original's form_metas and
// participating_metas, both JSON text): the form is an object keyed by the
// name the client shows, {key: {type, required, choices}}, and the answers
// come back keyed alike.

// formKeys are the keys of the form's fields in form_metas, in form order:
// their labels (what the client shows as the field's name), or their names
// when a label is blank or two would be the same.
func formKeys(form []activitiesq.FormField) []string {
	keys := make([]string, len(form))
	seen := map[string]bool{}
	for i, f := range form {
		if f.Label == "" || seen[f.Label] {
			for j, g := range form {
				keys[j] = g.Name
			}
			return keys
		}
		seen[f.Label] = true
		keys[i] = f.Label
	}
	return keys
}

// metaType maps 001's field types to the five the mini-program draws; the
// others are text it types in, checked as their type when it enrolls.
func metaType(t string) string {
	switch activities.FieldType(t) {
	case activities.Textarea:
		return "textarea"
	case activities.Number:
		return "number"
	case activities.Choice:
		return "radio"
	case activities.MultiChoice:
		return "checkbox"
	}
	return "text"
}

// formMeta is one field of form_metas.
type formMeta struct {
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Choices  []string `json:"choices,omitempty"`
}

// formMetasText is the form as the mini-program's JSON text, its keys in
// form order (the order the client draws them).
func formMetasText(form []activitiesq.FormField) string {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, key := range formKeys(form) {
		f := form[i]
		k, _ := json.Marshal(key)
		v, _ := json.Marshal(formMeta{Type: metaType(f.Type), Required: f.Required, Choices: f.Choices})
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// answersFromMetas reads participating_metas (the JSON text of an object
// keyed as form_metas) as the answers by field name; keys that name no field
// are kept as they are, for the form's check to refuse. ok is false for
// text that is not a JSON object.
func answersFromMetas(form []activitiesq.FormField, text string) (answers map[string]any, ok bool) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil || dec.More() {
		return nil, false
	}
	names := map[string]string{}
	for i, key := range formKeys(form) {
		names[key] = form[i].Name
	}
	answers = make(map[string]any, len(raw))
	for key, v := range raw {
		if name, known := names[key]; known {
			answers[name] = v
		} else {
			answers[key] = v
		}
	}
	return answers, true
}

// keyOf is the form_metas key of the field name ("" when none).
func keyOf(form []activitiesq.FormField, name string) string {
	for i, key := range formKeys(form) {
		if form[i].Name == name {
			return key
		}
	}
	return ""
}
