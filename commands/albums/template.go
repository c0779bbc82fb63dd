package albums

import (
	"strconv"
	"strings"
	"time"

	"github.com/fiveapis/backend/domain/albums"
)

// Templates are the looks a job can be rendered in: the caption band's
// colours and the pace, chosen from what the analysis found.
var Templates = []string{"ink", "spring", "summer", "autumn", "winter", "night"}

// ChooseTemplate picks the template of a job: by the season or hour the
// photos were taken (EXIF), else by the brightness of their dominant
// colours ("ink" for dark, pale pictures fall back to the neutral one).
func ChooseTemplate(j albums.Job) string {
	var times []time.Time
	for _, s := range j.Shots {
		if s.TakenAt != nil {
			times = append(times, *s.TakenAt)
		}
	}
	if len(times) > 0 {
		t := times[0]
		if t.Hour() >= 19 || t.Hour() < 5 {
			return "night"
		}
		switch t.Month() {
		case time.March, time.April, time.May:
			return "spring"
		case time.June, time.July, time.August:
			return "summer"
		case time.September, time.October, time.November:
			return "autumn"
		default:
			return "winter"
		}
	}
	var sum, n float64
	for _, s := range j.Shots {
		for _, c := range s.Colours {
			if v, err := strconv.ParseUint(strings.TrimPrefix(c, "#"), 16, 32); err == nil {
				r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
				sum += 0.299*r + 0.587*g + 0.114*b
				n++
			}
		}
	}
	if n > 0 && sum/n < 80 {
		return "night"
	}
	return "ink"
}

// seasonWords are the keywords of a season or hour, for the poem.
var seasonWords = map[string]string{"spring": "春", "summer": "夏", "autumn": "秋", "winter": "冬", "night": "夜"}

// Keywords are the words the poem is built around: the title's, the
// season's or night's (EXIF time), and the dominant colours' names.
func Keywords(j albums.Job) []string {
	var out []string
	if j.Info != nil {
		out = append(out, j.Info.Title, j.Info.Description)
	}
	if w, ok := seasonWords[ChooseTemplate(j)]; ok {
		out = append(out, w)
	}
	for _, s := range j.Shots {
		out = append(out, s.Labels...)
	}
	out = append(out, "山", "水")
	return out
}

// PoemLength is 7 characters a line for a long image, 5 for an album (its
// captions are shown over the video).
func PoemLength(j albums.Job) int {
	if j.Kind == albums.Photo {
		return 7
	}
	return 5
}
