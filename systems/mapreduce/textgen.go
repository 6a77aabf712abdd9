package mapreduce

import (
	"fmt"
	"math"
	"strings"

	"github.com/simlab-go/simlab/sim/node"
)

// syllables build the generator's made-up words.
//
//simlab:readonly the generator's alphabet, a constant table
var syllables = []string{"ka", "lo", "mi", "ne", "ru", "ta", "sho", "vi", "den", "ar", "el", "qu", "is", "tor", "um", "pa", "ge", "fi", "zo", "ber"}

// Vocabulary returns n distinct made-up words drawn from r, some of them
// capitalized (so "Kalo" and "kalo" count as different words, as they do to
// the shipped jobs).
func Vocabulary(r *node.Rand, n int) []string {
	seen := map[string]bool{}
	var out []string
	for tries := 0; len(out) < n; tries++ {
		var b strings.Builder
		for range 1 + r.IntN(3) {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		w := b.String()
		if r.Chance(0.1) {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		if tries > 4*n {
			w = fmt.Sprintf("%s%d", w, len(out)) // a tiny syllable set ran dry
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// GenerateText returns about size bytes of text drawn from r: lines of
// words from vocab with a skewed (roughly Zipf) frequency, commas, full stops
// and the odd digit, which the shipped jobs treat as separators.
func GenerateText(r *node.Rand, vocab []string, size int) string {
	var b strings.Builder
	b.Grow(size + 64)
	line := 0
	for b.Len() < size {
		// Log-uniform rank: a few words are very common, most are rare.
		i := int(math.Exp(r.Float64()*math.Log(float64(len(vocab))))) - 1
		b.WriteString(vocab[min(max(i, 0), len(vocab)-1)])
		line++
		switch {
		case r.Chance(0.05):
			b.WriteString(". ")
		case r.Chance(0.05):
			b.WriteString(", ")
		case r.Chance(0.02):
			fmt.Fprintf(&b, " %d ", r.IntN(100))
		case line >= 8+r.IntN(8):
			b.WriteString("\n")
			line = 0
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

// GenerateInputs returns splits input files of about splitBytes each, named
// input-00.txt, input-01.txt..., over one vocabulary, all drawn from r.
func GenerateInputs(r *node.Rand, splits, splitBytes int) []File {
	vocab := Vocabulary(r, 50+splitBytes*splits/100)
	files := make([]File, splits)
	for i := range files {
		files[i] = File{Name: fmt.Sprintf("input-%02d.txt", i), Data: []byte(GenerateText(r, vocab, splitBytes))}
	}
	return files
}
