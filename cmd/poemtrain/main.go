// Command poemtrain trains the poem model that transport/models/poem embeds,
// from the Tang poems (全唐诗, quantangshi/poet.tang.*.json) of the npm
// package chinese-poetry (MIT licence), converted from traditional to
// simplified characters with OpenCC's t2s tables
// (github.com/longbridgeapp/opencc, Apache-2.0):
//
//	npm pack chinese-poetry@2.0.1 && tar xzf chinese-poetry-2.0.1.tgz
//	go run ./cmd/poemtrain -corpus package/dist/quantangshi -out transport/models/poem/model.bin.gz
//
// The same corpus and flags always give the same bytes (`make poem-model`).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"

	"github.com/fiveapis/backend/transport/models/poem"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "poemtrain:", err)
		os.Exit(1)
	}
}

// record is one poem of chinese-poetry's JSON files.
type record struct {
	Paragraphs []string `json:"paragraphs"`
}

func run() error {
	corpus := flag.String("corpus", "", "chinese-poetry's quantangshi folder")
	out := flag.String("out", "transport/models/poem/model.bin.gz", "model file to write")
	keep := flag.Int("keep", 32, "continuations kept per context")
	minTri := flag.Int("min-trigram", 2, "trigrams seen fewer times are dropped")
	flag.Parse()
	if *corpus == "" {
		return fmt.Errorf("-corpus is required")
	}
	files, err := filepath.Glob(filepath.Join(*corpus, "poet.tang.*.json"))
	if err != nil {
		return fmt.Errorf("list corpus: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("no poet.tang.*.json in %s", *corpus)
	}
	sort.Strings(files)
	t2s, err := opencc.New("t2s")
	if err != nil {
		return fmt.Errorf("opencc: %w", err)
	}
	var poems [][]string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		var recs []record
		if err := json.Unmarshal(data, &recs); err != nil {
			return fmt.Errorf("decode %s: %w", f, err)
		}
		for _, r := range recs {
			// One conversion per poem; paragraphs joined by a newline keep
			// OpenCC's phrase matching within the poem.
			s, err := t2s.Convert(strings.Join(r.Paragraphs, "\n"))
			if err != nil {
				return fmt.Errorf("convert %s: %w", f, err)
			}
			poems = append(poems, poem.SplitLines(strings.Split(s, "\n")))
		}
	}
	m := poem.Train(poems, poem.TrainOptions{Keep: *keep, MinTrigram: *minTri})
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	st := m.Stats()
	fmt.Printf("poems read %d, vocabulary %d, trigram contexts 5: %d, 7: %d, %d bytes to %s\n",
		len(poems), st.Vocabulary, st.Contexts[5], st.Contexts[7], buf.Len(), *out)
	return nil
}
