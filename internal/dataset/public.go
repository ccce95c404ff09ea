package dataset

import (
	"slices"
	"strings"
)

// Public is a public dataset sonde fetches by name (--public-dataset,
// AIPerf's names): where it lives and how its rows become conversations.
type Public struct {
	Name string
	// Repo is the Hugging Face dataset repository (URL: a file fetched
	// over HTTP instead), Path a file of it; Subset and Split pick its
	// files; Stream takes the split's first file only (a large corpus
	// AIPerf streams).
	Repo, Path, URL, Subset, Split string
	Stream                         bool
	// Kind is how a row becomes a conversation (the kinds below).
	Kind string
	// The columns a kind reads.
	Prompt, Image, Video, Audio, Conversation, ContentKey string
	// Template, when set, is the prompt with {column} replaced by the
	// row's values.
	Template string
	// Unsupported says why sonde cannot replay it yet ("": it can).
	Unsupported string
}

// The kinds of public dataset.
const (
	KindInstruction  = "instruction"  // a prompt column (and an image), one turn
	KindConversation = "conversation" // the first user message of a conversation column, and its image
	KindMTBench      = "mt_bench"     // the turns of a prompt list, one session
	KindASR          = "asr"          // an audio clip to transcribe
	KindMMVU         = "mmvu"         // a question, its choices and a video URL
	KindWeka         = "weka"         // a weka trace per row
	KindShareGPT     = "sharegpt"     // ShareGPT's conversations
	KindSpecBench    = "spec_bench"   // Spec-Bench's questions: the first turn of each
	KindExgentic     = "exgentic"     // a recorded agent session: each LLM call's message snapshot
)

// blazeditTemplate is vLLM's BlazeditDataset prompt.
const blazeditTemplate = "Given a code file, please apply the change requests and generate the new file.\n\nOriginal file:\n```python\n{code}\n```\n\nChange request:\n{change_request}\n\nPlease generate the new code file in the \"New file\" section below."

// PublicDatasets are AIPerf 0.14's public datasets, by name.
func PublicDatasets() []Public {
	inst := func(name, repo, split, prompt string) Public {
		return Public{Name: name, Repo: repo, Split: split, Kind: KindInstruction, Prompt: prompt}
	}
	asr := func(name, repo, subset string) Public {
		return Public{Name: name, Repo: repo, Subset: subset, Split: "test", Stream: true, Kind: KindASR, Audio: "audio"}
	}
	ds := []Public{
		{Name: "exgentic_v2", Repo: "Exgentic/agent-llm-traces-v2", Split: "train", Stream: true, Kind: KindExgentic},
		{Name: "exgentic", Repo: "Exgentic/agent-llm-traces", Split: "train", Stream: true, Kind: KindExgentic},
		{Name: "sharegpt", Repo: "anon8231489123/ShareGPT_Vicuna_unfiltered", Path: "ShareGPT_V3_unfiltered_cleaned_split.json", Kind: KindShareGPT},
		inst("aimo", "AI-MO/NuminaMath-TIR", "train", "problem"),
		{Name: "mmstar", Repo: "Lin-Chen/MMStar", Split: "val", Kind: KindInstruction, Prompt: "question", Image: "image"},
		{Name: "mmvu", Repo: "yale-nlp/MMVU", Split: "validation", Kind: KindMMVU, Prompt: "question", Video: "video"},
		{Name: "vision_arena", Repo: "lmarena-ai/VisionArena-Chat", Split: "train", Stream: true, Kind: KindConversation, Conversation: "conversation", ContentKey: "content", Image: "images"},
		{Name: "llava_onevision", Repo: "lmms-lab/LLaVA-OneVision-Data", Subset: "sharegpt4o", Split: "train", Stream: true, Kind: KindConversation, Conversation: "conversations", ContentKey: "value", Image: "image"},
		inst("aimo_aime", "AI-MO/aimo-validation-aime", "train", "problem"),
		inst("aimo_numina_cot", "AI-MO/NuminaMath-CoT", "train", "problem"),
		inst("aimo_numina_1_5", "AI-MO/NuminaMath-1.5", "train", "problem"),
		{Name: "spec_bench", URL: "https://raw.githubusercontent.com/hemingkx/Spec-Bench/main/data/spec_bench/question.jsonl", Kind: KindSpecBench},
		{Name: "spec_al_gsm8k", Repo: "openai/gsm8k", Subset: "main", Split: "test", Kind: KindInstruction, Prompt: "question"},
		inst("spec_al_math500", "HuggingFaceH4/MATH-500", "test", "problem"),
		inst("spec_al_humaneval", "openai/openai_humaneval", "test", "prompt"),
		{Name: "spec_al_mbpp", Repo: "google-research-datasets/mbpp", Subset: "full", Split: "test", Kind: KindInstruction, Prompt: "text"},
		{Name: "spec_al_mtbench", Repo: "HuggingFaceH4/mt_bench_prompts", Split: "train", Kind: KindMTBench, Prompt: "prompt"},
		inst("instruct_coder", "likaixin/InstructCoder", "train", "instruction"),
		{Name: "blazedit_5k", Repo: "vdaita/edit_5k_char", Split: "train", Kind: KindInstruction, Prompt: "change_request", Template: blazeditTemplate},
		{Name: "blazedit_10k", Repo: "vdaita/edit_10k_char", Split: "train", Kind: KindInstruction, Prompt: "change_request", Template: blazeditTemplate},
		asr("librispeech", "openslr/librispeech_asr", "clean"),
		asr("voxpopuli", "facebook/voxpopuli", "en"),
		asr("gigaspeech", "speechcolab/gigaspeech", "xs"),
		asr("ami", "edinburghcstr/ami", "ihm"),
		asr("spgispeech", "kensho/spgispeech", "test"),
	}
	weka := func(name, repo string) Public {
		return Public{Name: name, Repo: repo, Split: "train", Kind: KindWeka}
	}
	ds = append(ds,
		weka("semianalysis_cc_traces_weka", "semianalysisai/cc-traces-weka-no-subagents-051826"),
		weka("semianalysis_cc_traces_weka_no_subagents", "semianalysisai/cc-traces-weka-no-subagents-051826"),
		weka("semianalysis_cc_traces_weka_with_subagents", "semianalysisai/cc-traces-weka-062126"),
		weka("semianalysis_cc_traces_weka_with_subagents_256k", "semianalysisai/cc-traces-weka-062126-256k"))
	for _, date := range []string{"060226", "060526", "060826"} {
		ds = append(ds, weka("semianalysis_cc_traces_weka_with_subagents_"+date, "semianalysisai/cc-traces-weka-with-subagents-"+date),
			weka("semianalysis_cc_traces_weka_with_subagents_"+date+"_256k", "semianalysisai/cc-traces-weka-with-subagents-"+date+"-256k"))
	}
	for _, date := range []string{"061326", "061526", "062126"} {
		ds = append(ds, weka("semianalysis_cc_traces_weka_"+date, "semianalysisai/cc-traces-weka-"+date),
			weka("semianalysis_cc_traces_weka_"+date+"_256k", "semianalysisai/cc-traces-weka-"+date+"-256k"))
	}
	return append(ds, weka("weka_hf", "")) // its repo: --hf-weka-dataset
}

// PublicNamed is the public dataset of that name.
func PublicNamed(name string) (Public, bool) {
	ds := PublicDatasets()
	i := slices.IndexFunc(ds, func(d Public) bool { return d.Name == name })
	if i < 0 {
		return Public{}, false
	}
	return ds[i], true
}

// PublicNames lists the names, comma-separated (for help and errors).
func PublicNames() string {
	var names []string
	for _, d := range PublicDatasets() {
		names = append(names, d.Name)
	}
	return strings.Join(names, ", ")
}
