package endpoint

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sonde-bench/sonde/internal/openai"
)

// decodeFile runs a recorded stream (one data payload per line) through a
// decoder as a request's events.
func decodeFile(t *testing.T, c *Codec, path string) (content, reasoning string, last Parsed, usage *openai.Usage, id string) {
	t.Helper()
	return decodeWith(t, c.NewDecoder(), path)
}

func decodeWith(t *testing.T, d *Decoder, path string) (content, reasoning string, last Parsed, usage *openai.Usage, id string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p, ok, err := d.Decode(sc.Bytes())
		if err != nil || !ok {
			t.Fatalf("%s: %q: ok %v err %v", path, sc.Text(), ok, err)
		}
		content += p.Content
		reasoning += p.Reasoning
		if p.Usage != nil {
			usage = p.Usage
		}
		if p.ID != "" {
			id = p.ID
		}
		last = p
	}
	return content, reasoning, last, usage, id
}

func TestDecodeStreams(t *testing.T) {
	for _, c := range []struct {
		typ                 Type
		file                string
		content, reasoning  string
		prompt, out, cached int
		reasoningTokens, id any
	}{
		{Responses, "testdata/responses_stream.txt", "Hi there", "Thinking.", 37, 11, 5, 2, "resp_67c9"},
		{Messages, "testdata/messages_stream.txt", "Hello!", "Let me", 35, 15, 10, nil, "msg_01"},
		{HFGenerate, "testdata/tgi_stream.txt", " The sky", "", 0, 0, 0, nil, ""},
		{SolidoRAG, "testdata/solido_stream.txt", "Use the SDE", "", 0, 0, 0, nil, ""},
	} {
		content, reasoning, _, u, id := decodeFile(t, &Codec{Type: c.typ, Stream: true}, c.file)
		if content != c.content || reasoning != c.reasoning || id != c.id {
			t.Errorf("%s: content %q reasoning %q id %q", c.typ, content, reasoning, id)
		}
		if c.prompt == 0 {
			if u != nil {
				t.Errorf("%s: usage %+v from an API that sends none", c.typ, u)
			}
			continue
		}
		cached, _ := u.Cached()
		if u.PromptTokens != c.prompt || u.CompletionTokens != c.out || cached != c.cached {
			t.Errorf("%s: usage %+v", c.typ, u)
		}
		if r, ok := u.Reasoning(); c.reasoningTokens != nil && (!ok || r != c.reasoningTokens) {
			t.Errorf("%s: reasoning tokens %d", c.typ, r)
		}
	}
}

// One decoder, Reset between requests (the engine reuses one per parse),
// reads every stream as a fresh one does, whatever it read before.
func TestDecoderReset(t *testing.T) {
	streams := []struct {
		typ  Type
		file string
	}{{Responses, "testdata/responses_stream.txt"}, {Messages, "testdata/messages_stream.txt"},
		{HFGenerate, "testdata/tgi_stream.txt"}}
	var d Decoder
	for range 2 {
		for _, s := range streams {
			c := &Codec{Type: s.typ, Stream: true}
			d.Reset(c)
			c1, r1, _, u1, id1 := decodeWith(t, &d, s.file)
			c2, r2, _, u2, id2 := decodeFile(t, c, s.file)
			if c1 != c2 || r1 != r2 || id1 != id2 || !reflect.DeepEqual(u1, u2) {
				t.Fatalf("%s after Reset: %q %q %q %+v; fresh: %q %q %q %+v", s.typ, c1, r1, id1, u1, c2, r2, id2, u2)
			}
		}
	}
	// Chat chunks through the shape shortcut: two requests with their own
	// ids, one decoder.
	chat := &Codec{Type: Chat, Stream: true}
	req := func(id string) [][]byte {
		var out [][]byte
		for _, w := range []string{" one", " two", " three"} {
			out = append(out, []byte(`{"id":"`+id+`","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"`+w+`"}}]}`))
		}
		return append(out, []byte(`{"id":"`+id+`","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}`))
	}
	text := func(d *Decoder, lines [][]byte) (string, *openai.Usage) {
		var tx Text
		var u *openai.Usage
		for _, l := range lines {
			p, _, err := d.DecodeTo(l, &tx)
			if err != nil {
				t.Fatal(err)
			}
			if p.Usage != nil {
				u = p.Usage
			}
		}
		return string(tx.Content), u
	}
	for _, id := range []string{"a", "bb", "a"} {
		d.Reset(chat)
		got, gu := text(&d, req(id))
		want, wu := text(chat.NewDecoder(), req(id))
		if got != want || !reflect.DeepEqual(gu, wu) {
			t.Fatalf("chat %s after Reset: %q %+v, fresh %q %+v", id, got, gu, want, wu)
		}
	}
}

func TestDecodeWholeAndErrors(t *testing.T) {
	for _, c := range []struct {
		typ             Type
		body            string
		content, reason string
		items           int
		err             string
	}{
		{Responses, `{"id":"resp_1","object":"response","status":"completed","output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"hm"}]},{"type":"message","content":[{"type":"output_text","text":"ok"}]}],"usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5}}`, "ok", "hm", 0, ""},
		{Responses, `{"type":"error","code":"server_error","message":"boom","param":null}`, "", "", 0, "boom"},
		{Responses, `{"type":"response.failed","response":{"id":"r","status":"failed","error":{"code":"x","message":"quota"}}}`, "", "", 0, "quota"},
		{Responses, `{"error":{"message":"bad model","type":"invalid_request_error"}}`, "", "", 0, "bad model"},
		{Messages, `{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"thinking","thinking":"t"},{"type":"text","text":"yes"}],"usage":{"input_tokens":4,"output_tokens":1}}`, "yes", "t", 0, ""},
		{Messages, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "", "", 0, "Overloaded"},
		{HFGenerate, `{"generated_text":"abc","details":{"finish_reason":"length","generated_tokens":3}}`, "abc", "", 0, ""},
		{HFGenerate, `[{"generated_text":"xyz"}]`, "xyz", "", 0, ""},
		{HFGenerate, `{"error":"Input validation error","error_type":"validation"}`, "", "", 0, "Input validation error"},
		{Embeddings, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]},{"object":"embedding","index":1,"embedding":[0.3,0.4]}],"usage":{"prompt_tokens":8,"total_tokens":8}}`, "", "", 2, ""},
		{NIMRankings, `{"rankings":[{"index":1,"logit":3.1},{"index":0,"logit":-2}]}`, "", "", 2, ""},
		{HFTEIRankings, `[{"index":0,"score":0.9},{"index":2,"score":0.5},{"index":1,"score":0.1}]`, "", "", 3, ""},
		{CohereRankings, `{"id":"r","results":[{"index":0,"relevance_score":0.8}],"meta":{}}`, "", "", 1, ""},
		{HFTEIRankings, `{"error":"Input is too long","error_type":"Validation"}`, "", "", 0, "Input is too long"},
		{SolidoRAG, `{"content":"Use the SDE flow.","sources":[{"title":"guide"}]}`, "Use the SDE flow.", "", 0, ""},
		{SolidoRAG, `{"error":{"message":"no index"}}`, "", "", 0, "no index"},
		{ImageGen, `{"error":{"message":"content policy"}}`, "", "", 0, "content policy"},
		{ImageRetrieval, `{"data":[{"index":0,"bounding_boxes":{"table":[]}},{"index":1,"bounding_boxes":{}}]}`, "", "", 2, ""},
	} {
		p, ok, err := (&Codec{Type: c.typ}).NewDecoder().Decode([]byte(c.body))
		if err != nil || !ok {
			t.Fatalf("%s %s: ok %v err %v", c.typ, c.body, ok, err)
		}
		if p.Content != c.content || p.Reasoning != c.reason || p.Items != c.items || p.Err != c.err {
			t.Errorf("%s %s: got %+v", c.typ, c.body, p)
		}
	}
	if _, _, err := (&Codec{Type: Messages}).NewDecoder().Decode([]byte(`{"type":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}

// TestEncodeEveryType pins each API's body: keys, their order, and where
// the system prompt, history, limits and extras go.
func TestEncodeEveryType(t *testing.T) {
	extra, _ := ParseExtraInputs([]string{"temperature:0.5"})
	history := []openai.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}, {Role: "assistant", Content: "yo"}, {Role: "user", Content: "more"}}
	for _, c := range []struct {
		codec Codec
		in    Input
		want  string
	}{
		{Codec{Type: Responses, Stream: true}, Input{Model: "m", History: history, MaxTokens: 9},
			`{"input":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"more"}],"model":"m","stream":true,"instructions":"be brief","max_output_tokens":9,"temperature":0.5}`},
		{Codec{Type: Responses, Stream: true, Chain: true}, Input{Model: "m", History: history, MaxTokens: 9, PreviousID: "resp_1"},
			`{"input":[{"role":"user","content":"more"}],"model":"m","stream":true,"instructions":"be brief","previous_response_id":"resp_1","max_output_tokens":9,"temperature":0.5}`},
		{Codec{Type: Messages, Stream: true}, Input{Model: "m", History: history},
			`{"system":"be brief","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"user","content":"more"}],"model":"m","stream":true,"max_tokens":4096,"temperature":0.5}`},
		{Codec{Type: HFGenerate, Stream: true}, Input{Model: "m", History: history[1:2], MaxTokens: 5},
			`{"inputs":"hi","parameters":{"max_new_tokens":5,"temperature":0.5}}`},
		{Codec{Type: Embeddings}, Input{Model: "m", History: history[1:2], Batch: []string{"b1", "b2"}, MaxTokens: 5},
			`{"input":["hi","b1","b2"],"model":"m","temperature":0.5}`},
		{Codec{Type: NIMEmbeddings}, Input{Model: "m", History: history[1:2]},
			`{"input":["hi"],"model":"m","input_type":"query","temperature":0.5}`},
		{Codec{Type: ChatEmbeddings}, Input{Model: "m", History: history[1:2]},
			`{"messages":[{"role":"user","content":"hi"}],"model":"m","encoding_format":"float","temperature":0.5}`},
		{Codec{Type: NIMRankings}, Input{Model: "m", History: history[1:2], Batch: []string{"p1", "p2"}},
			`{"model":"m","query":{"text":"hi"},"passages":[{"text":"p1"},{"text":"p2"}],"temperature":0.5}`},
		{Codec{Type: HFTEIRankings}, Input{Model: "m", History: history[1:2], Batch: []string{"p1"}},
			`{"query":"hi","texts":["p1"],"temperature":0.5}`},
		{Codec{Type: CohereRankings}, Input{Model: "m", History: history[1:2], Batch: []string{"p1"}},
			`{"model":"m","query":"hi","documents":["p1"],"temperature":0.5}`},
		{Codec{Type: ImageGen, Stream: true}, Input{Model: "m", History: history[3:], MaxTokens: 7},
			`{"prompt":"more","model":"m","response_format":"b64_json","n":1,"stream":true,"temperature":0.5}`},
		{Codec{Type: ImageRetrieval}, Input{Model: "m", History: []openai.Message{{Role: "user", Content: "not sent", Images: []openai.Image{{URL: "data:image/png;base64,AA"}, {URL: "data:image/jpeg;base64,BB"}}}}},
			`{"input":[{"type":"image_url","url":"data:image/png;base64,AA"},{"type":"image_url","url":"data:image/jpeg;base64,BB"}],"temperature":0.5}`},
		{Codec{Type: ImageGen}, Input{Model: "m", History: history[3:]},
			`{"prompt":"more","model":"m","response_format":"b64_json","n":1,"temperature":0.5}`},
		{Codec{Type: SolidoRAG, Stream: true}, Input{Model: "m", History: history[3:], MaxTokens: 7},
			`{"query":["more"],"filters":{"family":"Solido","tool":"SDE"},"inference_model":"m","temperature":0.5}`},
	} {
		c.codec.Extra = extra
		got, err := c.codec.Build(nil, &c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("%s:\n got  %s (%v)\n want %s", c.codec.Type, got, err, c.want)
		}
	}
	// TGI: a "parameters" extra merges into the body's parameters.
	tgiExtra, _ := ParseExtraInputs([]string{`{"parameters": {"top_k": 3}, "stream": true}`})
	c := Codec{Type: HFGenerate, Extra: tgiExtra}
	if got, _ := c.Build(nil, &Input{History: history[1:2], MaxTokens: 2}); string(got) != `{"inputs":"hi","parameters":{"max_new_tokens":2,"top_k":3},"stream":true}` {
		t.Errorf("tgi parameters: %s", got)
	}
}

func TestTemplateEndpoint(t *testing.T) {
	tmpl, err := ParsePayloadTemplate(`{"q": {{ text|tojson }}, "all": {{ texts|tojson }}, "n": {{ max_tokens|tojson }}, "turns": {{ messages|length }}}`)
	if err != nil {
		t.Fatal(err)
	}
	extra, _ := ParseExtraInputs([]string{"top_p:0.9"})
	c := Codec{Type: Template, Payload: tmpl, Extra: extra}
	got, err := c.Build(nil, &Input{Model: "m", History: []openai.Message{{Role: "user", Content: "a"}, {Role: "assistant", Content: "b"}, {Role: "user", Content: `say "c"`}}, Batch: []string{"d"}, MaxTokens: 4})
	if want := `{"q":"say \"c\"","all":["say \"c\"","d"],"n":4,"turns":3,"top_p":0.9}`; err != nil || string(got) != want {
		t.Errorf("got %s (%v)\nwant %s", got, err, want)
	}
	named, err := ParsePayloadTemplate("nv-embedqa")
	if err != nil {
		t.Fatal(err)
	}
	c = Codec{Type: Template, Payload: named}
	if got, _ := c.Build(nil, &Input{History: []openai.Message{{Role: "user", Content: "x"}}, Batch: []string{"y"}}); string(got) != `{"text":["x","y"]}` {
		t.Errorf("nv-embedqa: %s", got)
	}
	bad, _ := ParsePayloadTemplate(`{"q": {{ text }}}`)
	c = Codec{Type: Template, Payload: bad}
	if _, err := c.Build(nil, &Input{History: []openai.Message{{Role: "user", Content: "two words"}}}); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("an invalid render: %v", err)
	}
}

func TestTemplateResponses(t *testing.T) {
	auto := (&Codec{Type: Template}).NewDecoder()
	for body, want := range map[string]Parsed{
		`{"choices":[{"delta":{"content":"hi"}}],"object":"chat.completion.chunk"}`: {Content: "hi"},
		`{"token":{"text":"x","special":false}}`:                                    {Content: "x"},
		`{"data":[{"embedding":[1,2]},{"embedding":[3,4]}]}`:                        {Items: 2},
		`{"embedding":[0.1,0.2,0.3]}`:                                               {Items: 1},
		`{"results":[{"score":1}]}`:                                                 {Items: 1},
		`{"output":"free text"}`:                                                    {Content: "free text"},
		`[[0.1],[0.2]]`:                                                             {Items: 2},
		`{"error":{"message":"nope"}}`:                                              {Err: "nope"},
	} {
		p, ok, err := auto.Decode([]byte(body))
		if err != nil || !ok || p.Content != want.Content || p.Items != want.Items || p.Err != want.Err {
			t.Errorf("%s: %+v %v %v", body, p, ok, err)
		}
	}
	path, err := ParsePath("result.outputs[-1].text")
	if err != nil {
		t.Fatal(err)
	}
	c := &Codec{Type: Template, ResponseField: path}
	p, _, _ := c.NewDecoder().Decode([]byte(`{"result":{"outputs":[{"text":"a"},{"text":"b"}]}}`))
	if p.Content != "b" {
		t.Errorf("response_field: %+v", p)
	}
	proj, _ := ParsePath("data[*].vector")
	c.ResponseField = proj
	if p, _, _ := c.NewDecoder().Decode([]byte(`{"data":[{"vector":[1]},{"vector":[2]},{"other":1}]}`)); p.Items != 2 {
		t.Errorf("projection: %+v", p)
	}
	for _, bad := range []string{"", "a..b", "a[x]", "a[1", ".a"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

func TestTypes(t *testing.T) {
	if got, err := Parse("rankings"); err != nil || got != NIMRankings {
		t.Errorf("alias: %v %v", got, err)
	}
	if !SolidoRAG.Standalone() || SolidoRAG.TakesMaxTokens() || !Chat.TakesMaxTokens() || Chat.Standalone() || !Embeddings.Standalone() || Embeddings.TakesMaxTokens() {
		t.Error("standalone or output-length capabilities")
	}
	if _, err := Parse("text_to_speech"); err == nil {
		t.Error("an unsupported type accepted")
	}
	for _, name := range Types() {
		typ := Canonical(name)
		if typ.DefaultPath() == "" && typ != Template && typ != Raw {
			t.Errorf("%s has no path", typ)
		}
		if typ.ProducesTokens() != (typ.Kind() == Generates) || (!typ.ProducesTokens() && typ.CanStream() && typ.Kind() != Draws) {
			t.Errorf("%s: inconsistent capabilities", typ)
		}
	}
	if HFGenerate.StreamPath() != "/generate_stream" || Chat.StreamPath() != Chat.DefaultPath() {
		t.Error("stream paths")
	}
}

// FuzzDecoders: no API's decoder panics or loops on any input, and a
// response_field path never panics on any JSON.
func FuzzDecoders(f *testing.F) {
	for _, file := range []string{"testdata/responses_stream.txt", "testdata/messages_stream.txt", "testdata/tgi_stream.txt"} {
		data, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(data), "\n") {
			f.Add(line, "a[0].b")
		}
	}
	f.Add(`[{"index":0,"score":1}]`, "[*].score")
	f.Add(`{"error":"x"}`, "error")
	types := []Type{Responses, Messages, HFGenerate, Embeddings, NIMRankings, HFTEIRankings, CohereRankings, Template}
	f.Fuzz(func(t *testing.T, data, path string) {
		for _, typ := range types {
			(&Codec{Type: typ}).NewDecoder().Decode([]byte(data))
		}
		if p, err := ParsePath(path); err == nil {
			(&Codec{Type: Template, ResponseField: p}).NewDecoder().Decode([]byte(data))
		}
	})
}

// An images answer: a body's images, a stream's partial images (arrivals,
// not images) and finished ones, the usage as prompt and completion tokens.
func TestDecodeImages(t *testing.T) {
	d := (&Codec{Type: ImageGen}).NewDecoder()
	for _, c := range []struct {
		body            string
		images          int
		partial         bool
		prompt, outputs int
	}{
		{`{"created":1,"data":[{"b64_json":"iVBO"},{"b64_json":"iVBO"}],"usage":{"input_tokens":9,"output_tokens":128,"total_tokens":137}}`, 2, false, 9, 128},
		{`{"type":"image_generation.partial_image","b64_json":"iVBO","partial_image_index":0}`, 0, true, 0, 0},
		{`{"b64_json":"iVBO","partial_image_index":1}`, 0, true, 0, 0},
		{`{"type":"image_generation.completed","b64_json":"iVBO","usage":{"input_tokens":3,"output_tokens":64}}`, 1, false, 3, 64},
		{`{"created":1,"data":[{"url":"https://x/1.png"}]}`, 1, false, 0, 0},
	} {
		p, ok, err := d.Decode([]byte(c.body))
		if err != nil || !ok || p.Images != c.images || p.Partial != c.partial {
			t.Fatalf("%s: %+v %v %v", c.body, p, ok, err)
		}
		if c.prompt > 0 && (p.Usage == nil || p.Usage.PromptTokens != c.prompt || p.Usage.CompletionTokens != c.outputs) {
			t.Errorf("%s: usage %+v", c.body, p.Usage)
		}
	}
	if _, _, err := d.Decode([]byte(`{"data":`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}
