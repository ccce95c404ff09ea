package tokenizer

// addedToken is one entry of tokenizer.json's added_tokens.
type addedToken struct {
	id      int
	content string
	special bool
}

// addedVocab finds added tokens in text, leftmost-longest, with a byte trie so
// that Gemma's 6,415 added tokens cost no more than a handful.
type addedVocab struct {
	byID  map[int]addedToken
	nodes []trieNode
	// starts marks the bytes an added token can start with: plain text is
	// skipped a byte at a time with one array load, not a map lookup.
	starts [256]bool
}

type trieNode struct {
	next map[byte]int32
	id   int32 // -1 when no token ends here
}

func newAddedVocab(tokens []addedToken) *addedVocab {
	v := &addedVocab{byID: make(map[int]addedToken, len(tokens)), nodes: []trieNode{{id: -1}}}
	for _, tok := range tokens {
		v.byID[tok.id] = tok
		if tok.content == "" {
			continue
		}
		v.starts[tok.content[0]] = true
		n := int32(0)
		for i := 0; i < len(tok.content); i++ {
			c := tok.content[i]
			nx, ok := v.nodes[n].next[c]
			if !ok {
				if v.nodes[n].next == nil {
					v.nodes[n].next = make(map[byte]int32)
				}
				nx = int32(len(v.nodes))
				v.nodes[n].next[c] = nx
				v.nodes = append(v.nodes, trieNode{id: -1})
			}
			n = nx
		}
		v.nodes[n].id = int32(tok.id)
	}
	return v
}

// longestAt returns the id and length of the longest added token starting at
// s[i:], or -1.
func (v *addedVocab) longestAt(s string, i int) (id, n int) {
	id, n = -1, 0
	node := int32(0)
	for j := i; j < len(s); j++ {
		nx, ok := v.nodes[node].next[s[j]]
		if !ok {
			break
		}
		node = nx
		if v.nodes[node].id >= 0 {
			id, n = int(v.nodes[node].id), j-i+1
		}
	}
	return id, n
}

// split calls emit for each run of plain text (addedID -1) and each added
// token found in s, in order.
func (v *addedVocab) split(s string, emit func(segment string, addedID int)) {
	if len(v.nodes) == 1 || v.nodes[0].next == nil {
		emit(s, -1)
		return
	}
	start := 0
	for i := 0; i < len(s); {
		if v.starts[s[i]] {
			if id, n := v.longestAt(s, i); id >= 0 {
				if i > start {
					emit(s[start:i], -1)
				}
				emit(s[i:i+n], id)
				i += n
				start = i
				continue
			}
		}
		i++
	}
	if start < len(s) {
		emit(s[start:], -1)
	}
}
