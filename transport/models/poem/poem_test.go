package poem_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/fiveapis/backend/transport/models/poem"
)

// smallCorpus is four real quatrains (and lines the trainer must skip).
func smallCorpus() [][]string {
	var out [][]string
	for _, p := range [][]string{
		{"床前明月光，疑是地上霜。", "举头望明月，低头思故乡。"},
		{"白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。"},
		{"春眠不觉晓，处处闻啼鸟。", "夜来风雨声，花落知多少。"},
		{"朝辞白帝彩云间，千里江陵一日还。", "两岸猿声啼不住，轻舟已过万重山。"},
		{"红豆生南国，春来发几枝。"},                 // two lines: skipped
		{"国破山河在，城春草□深。", "感时花溅泪，恨别鸟惊心。"}, // a lacuna: skipped
	} {
		out = append(out, poem.SplitLines(p))
	}
	return out
}

func hanOnly(s string) bool {
	for _, r := range s {
		if !poem.IsHan(r) {
			return false
		}
	}
	return true
}

func TestTrainAndGenerate(t *testing.T) {
	m := poem.Train(smallCorpus(), poem.TrainOptions{MinTrigram: 1})
	t.Run("SplitLines cuts at punctuation and spoils a line with a lacuna", func(t *testing.T) {
		got := poem.SplitLines([]string{"国破山河在，城春草□深。"})
		if len(got) != 2 || got[0] != "国破山河在" || got[1] != "" {
			t.Fatalf("%q", got)
		}
	})
	t.Run("only regular poems are learnt", func(t *testing.T) {
		if st := m.Stats(); st.Contexts[5] == 0 || st.Contexts[7] == 0 {
			t.Fatalf("%+v", st)
		}
		skipped := poem.Train(smallCorpus()[4:], poem.TrainOptions{})
		if st := skipped.Stats(); st.Vocabulary != 0 {
			t.Fatalf("irregular poems learnt: %+v", st)
		}
		if _, err := skipped.Generate(poem.Request{Keywords: []string{"月"}, Length: 5}); !errors.Is(err, poem.ErrEmptyModel) {
			t.Fatalf("empty model: %v", err)
		}
	})
	t.Run("lines of exactly the asked length holding the keyword", func(t *testing.T) {
		for _, L := range []int{5, 7} {
			p, err := m.Generate(poem.Request{Keywords: []string{"明月"}, Length: L, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Lines) != 4 || !strings.Contains(p.Lines[0], "明月") {
				t.Fatalf("%q", p.Lines)
			}
			for _, l := range p.Lines {
				if utf8.RuneCountInString(l) != L || !hanOnly(l) {
					t.Fatalf("line %q of %d", l, L)
				}
			}
		}
	})
	t.Run("bad length and keywords without Chinese characters are errors", func(t *testing.T) {
		if _, err := m.Generate(poem.Request{Keywords: []string{"月"}, Length: 6}); !errors.Is(err, poem.ErrBadLength) {
			t.Errorf("length 6: %v", err)
		}
		if _, err := m.Generate(poem.Request{Keywords: []string{"moon", "123"}, Length: 5}); !errors.Is(err, poem.ErrNoKeyword) {
			t.Errorf("latin: %v", err)
		}
	})
	t.Run("Write and Read keep the model byte for byte", func(t *testing.T) {
		var a, b bytes.Buffer
		if err := m.Write(&a); err != nil {
			t.Fatal(err)
		}
		m2, err := poem.Read(bytes.NewReader(a.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := m2.Write(&b); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("rewrite differs (%v)", err)
		}
		if _, err := poem.Read(bytes.NewReader([]byte("garbage"))); err == nil {
			t.Fatal("garbage read")
		}
	})
}

func TestEmbedded(t *testing.T) {
	m, err := poem.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if st := m.Stats(); st.Vocabulary < 5000 {
		t.Fatalf("embedded model too small: %+v", st)
	}
	t.Run("one seed gives one poem; words spread over the lines", func(t *testing.T) {
		req := poem.Request{Keywords: poem.Keywords("晴 桶 房屋"), Length: 7, Seed: 42, Experience: poem.Rural, History: poem.Prosperous}
		a, err := m.Generate(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := m.Generate(req)
		if a.String() != b.String() {
			t.Fatalf("%q vs %q", a, b)
		}
		t.Logf("\n%s", a)
		for i, w := range []string{"晴", "桶", "房屋"} {
			if a.Keywords[i] != w {
				t.Fatalf("keywords %q", a.Keywords)
			}
		}
		joined := strings.Join(a.Lines, "")
		for _, w := range []string{"晴", "桶", "房屋"} {
			if !strings.Contains(joined, w) {
				t.Fatalf("%q lacks %q", a.Lines, w)
			}
		}
		for _, l := range a.Lines {
			if utf8.RuneCountInString(l) != 7 || !hanOnly(l) {
				t.Fatalf("line %q", l)
			}
		}
	})
	t.Run("many seeds, both lengths: always whole lines", func(t *testing.T) {
		for seed := range uint64(50) {
			for _, L := range []int{5, 7} {
				p, err := m.Generate(poem.Request{Keywords: []string{"秋风"}, Length: L, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range p.Lines {
					if utf8.RuneCountInString(l) != L || !hanOnly(l) {
						t.Fatalf("seed %d: %q", seed, p.Lines)
					}
				}
				if !strings.Contains(p.Lines[0], "秋风") {
					t.Fatalf("seed %d: %q", seed, p.Lines)
				}
			}
		}
	})
}

// One model serves many goroutines at once (the routes and the album
// pipeline share it): the same requests give the same poems as one by one.
func TestConcurrentGenerate(t *testing.T) {
	m, err := poem.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	req := func(i int) poem.Request {
		return poem.Request{Keywords: []string{"江", "雪"}, Length: 5 + 2*(i%2), Seed: uint64(i)}
	}
	want := make([]string, 16)
	for i := range want {
		p, err := m.Generate(req(i))
		if err != nil {
			t.Fatal(err)
		}
		want[i] = p.String()
	}
	got := make([]string, 16)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, _ := m.Generate(req(i))
			got[i] = p.String()
		}()
	}
	wg.Wait()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%d: %q, alone %q", i, got[i], want[i])
		}
	}
}

// BenchmarkGenerate: go test -run '^$' -bench Generate ./transport/models/poem/
func BenchmarkGenerate(b *testing.B) {
	m, err := poem.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := m.Generate(poem.Request{Keywords: []string{"明月"}, Length: 7, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbedded: loading the shipped model.
func BenchmarkEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := poem.Embedded(); err != nil {
			b.Fatal(err)
		}
	}
}
