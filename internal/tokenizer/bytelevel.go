package tokenizer

import "strings"

// byteToRune is GPT-2's bytes_to_unicode table: printable bytes map to
// themselves, the others to U+0100 upwards, so every byte is one visible
// rune; runeToByte is its inverse, an array (every such rune is below
// 0x144) rather than a map: decoding looks up every rune of every token.
var byteToRune, runeToByte = func() ([256]rune, [0x144]int16) {
	var b2r [256]rune
	var r2b [0x144]int16
	for i := range r2b {
		r2b[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if printable {
			b2r[b] = rune(b)
		} else {
			b2r[b] = rune(256 + n)
			n++
		}
		r2b[b2r[b]] = int16(b)
	}
	return b2r, r2b
}()

func byteLevelEncode(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		sb.WriteRune(byteToRune[s[i]])
	}
	return sb.String()
}

// byteLevelDecodeToken maps a token's runes back to bytes. A token with a
// rune outside the table (an added token such as Gemma's "\n\n") is kept as
// its raw bytes, as Hugging Face does.
func byteLevelDecodeToken(tok string, dst []byte) []byte {
	start := len(dst)
	for _, r := range tok {
		if r < 0 || int(r) >= len(runeToByte) || runeToByte[r] < 0 {
			return append(dst[:start], tok...)
		}
		dst = append(dst, byte(runeToByte[r]))
	}
	return dst
}
