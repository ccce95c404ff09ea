// Package config holds the options of `sonde profile`: AIPerf's flags, their
// aliases and defaults (as kong struct tags, read by cmd/sonde), and AIPerf's
// validation rules. It imports only the standard library.
package config

// Values of --conversation-context-mode and --connection-reuse-strategy
// (the enum tags below spell them too; TestEnumConstants keeps them equal).
const (
	ContextLive         = "deltas_without_responses"     // the live answers
	ContextDeltasCanned = "deltas_with_responses"        // pre-canned answers
	ContextArrayCanned  = "message_array_with_responses" // pre-canned answers
	ReusePooled         = "pooled"
	ReuseNever          = "never"
	ReuseSticky         = "sticky-user-sessions"
)

// Profile is every option of `sonde profile`. Pointer fields are nil when
// the user did not set them, which several AIPerf rules depend on.
type Profile struct {
	// Endpoint
	Model                 []string `name:"model-names" short:"m" aliases:"model" group:"Endpoint" placeholder:"NAME" help:"Model name(s) to benchmark; a comma list or repeated (aliases: -m, --model)." json:"model_names"`
	EndpointType          string   `name:"endpoint-type" default:"chat" enum:"chat,completions,responses,messages,embeddings,chat_embeddings,nim_embeddings,nim_rankings,rankings,hf_tei_rankings,cohere_rankings,huggingface_generate,template,solido_rag,image_generation,image_edit,image_retrieval,audio_transcription,raw,video_generation" group:"Endpoint" help:"API to call: chat, completions, responses (OpenAI Responses), messages (Anthropic), embeddings, chat_embeddings, nim_embeddings, nim_rankings (alias rankings), hf_tei_rankings, cohere_rankings, huggingface_generate (TGI), template (payload_template and response_field in --extra-inputs), solido_rag (NVIDIA SOLIDO RAG: the turn as the query), image_generation (OpenAI images API: the turn as the prompt, b64_json PNGs), image_edit (the turn's image and text as a multipart form), image_retrieval (NIM: the turn's images), audio_transcription (the turn's audio as a multipart file upload), raw (a raw_payload or inputs_json dataset's bodies sent as they are to --url, answers auto-detected or read at response_field) or video_generation (OpenAI's and SGLang's video jobs: submitted, then polled until done)." json:"endpoint_type"`
	CustomEndpoint        string   `name:"custom-endpoint" aliases:"endpoint" group:"Endpoint" placeholder:"PATH" help:"URL path overriding the endpoint type's default (alias: --endpoint)." json:"custom_endpoint,omitempty"`
	Streaming             bool     `name:"streaming" group:"Endpoint" help:"Stream responses (SSE); needed for TTFT, ITL and TTST." json:"streaming"`
	URL                   []string `name:"url" short:"u" default:"localhost:8000" group:"Endpoint" placeholder:"URL" help:"Server URL(s); http:// is added when no scheme is given; several URLs are used round robin. sim://?ttft=50ms&itl=5ms starts the built-in simulator (alias: -u)." json:"url"`
	URLStrategy           string   `name:"url-strategy" default:"round_robin" enum:"round_robin" group:"Endpoint" help:"How requests are spread over several --url: round_robin (AIPerf's one strategy); a summary per URL follows (sonde.replicas)." json:"url_strategy,omitempty"`
	ModelSelection        string   `name:"model-selection-strategy" default:"round_robin" enum:"round_robin,random" group:"Endpoint" help:"How each turn's model is chosen from several --model: round_robin (the n-th turn, models[n mod len]) or random (uniform, seeded)." json:"model_selection_strategy,omitempty"`
	APIKey                string   `name:"api-key" group:"Endpoint" help:"API key sent as 'Authorization: Bearer <key>' (default $SONDE_API_KEY); never written to any output." json:"-"`
	AuthType              string   `name:"auth-type" default:"none" enum:"none,sigv4" group:"Endpoint" help:"sigv4: sign every request with AWS Signature Version 4 (API Gateway, a Lambda URL, any IAM-protected endpoint), with the credentials of AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or of AWS_PROFILE in ~/.aws/credentials." json:"auth_type,omitempty"`
	AWSRegion             string   `name:"aws-region" group:"Endpoint" placeholder:"REGION" help:"The AWS region requests are signed for (--auth-type sigv4)." json:"aws_region,omitempty"`
	AWSService            string   `name:"aws-service" group:"Endpoint" placeholder:"NAME" help:"The AWS service requests are signed for: execute-api (API Gateway), lambda, sagemaker... (--auth-type sigv4)." json:"aws_service,omitempty"`
	SageMakerEndpoint     string   `name:"sagemaker-endpoint-name" group:"Endpoint" placeholder:"NAME" help:"A SageMaker Runtime endpoint: requests go to /endpoints/NAME/invocations (-response-stream with --streaming, its event-stream framing decoded), signed with SigV4 for sagemaker in --aws-region, at https://runtime.sagemaker.REGION.amazonaws.com unless --url says where (a VPC endpoint)." json:"sagemaker_endpoint_name,omitempty"`
	Header                []string `name:"header" short:"H" sep:"none" group:"Endpoint" placeholder:"NAME:VALUE" help:"Extra request header, repeatable, as NAME:VALUE or a JSON object ('{\"X-A\":\"1\"}', AIPerf's form); applied last (alias: -H)." json:"header,omitempty"`
	ExtraInputs           []string `name:"extra-inputs" sep:"none" group:"Endpoint" placeholder:"KEY:VALUE" help:"Extra top-level payload field as key:value (repeatable) or a JSON object." json:"extra_inputs,omitempty"`
	RequestTimeoutSeconds float64  `name:"request-timeout-seconds" default:"21600" group:"Endpoint" help:"Total time a request may take before it counts as a failure." json:"request_timeout_seconds"`
	UseLegacyMaxTokens    bool     `name:"use-legacy-max-tokens" group:"Endpoint" help:"Send max_tokens instead of max_completion_tokens." json:"use_legacy_max_tokens"`
	Transport             string   `name:"transport" aliases:"transport-type" placeholder:"http" group:"Endpoint" help:"Transport protocol: http, AIPerf's one (HTTP/1.1 with SSE for streaming; also what a URL's scheme chooses when it is not given)." json:"transport,omitempty"`
	HTTPClient            string   `name:"http-client" default:"lean" enum:"lean,std" group:"Endpoint" help:"HTTP client: lean (sonde's own HTTP/1.1 client: no goroutines of its own per connection, about half the memory and CPU per request of net/http; URLs behind an HTTP_PROXY still go through net/http) or std (Go's net/http)." json:"http_client,omitempty"`
	PreviousResponseID    bool     `name:"use-previous-response-id" group:"Endpoint" help:"Responses endpoint: a turn after the first sends only its new message and previous_response_id, so the server keeps the history (also on with --extra-inputs store:true and --use-server-token-count, as AIPerf)." json:"use_previous_response_id,omitempty"`
	UseServerTokenCount   bool     `name:"use-server-token-count" group:"Endpoint" help:"Take ISL and OSL from the server's usage (asks for usage in streams) instead of re-tokenizing." json:"use_server_token_count,omitempty"`
	SessionHeader         string   `name:"session-header" default:"X-Correlation-ID" group:"Endpoint" help:"Header carrying the session id, the same on every turn (e.g. X-Session-ID)." json:"session_header"`
	SessionAffinity       bool     `name:"session-affinity" group:"Endpoint" help:"Also send 'X-Session-Affinity: <session id>' for routers that pin sessions to a replica." json:"session_affinity,omitempty"`
	ConnectionReuse       string   `name:"connection-reuse-strategy" default:"pooled" enum:"pooled,never,sticky-user-sessions" group:"Endpoint" help:"pooled: share keep-alive connections; never: a new connection per request; sticky-user-sessions: one connection per session, closed after its last turn." json:"connection_reuse_strategy"`

	// Conversations
	ConversationNum         *int    `name:"conversation-num" aliases:"num-conversations,num-sessions" group:"Conversation Input" placeholder:"N" help:"Number of conversations (sessions) to send (aliases: --num-conversations, --num-sessions)." json:"conversation_num,omitempty"`
	NumDatasetEntries       int     `name:"num-dataset-entries" aliases:"num-prompts" default:"100" group:"Conversation Input" placeholder:"N" help:"Number of unique conversations generated; sessions sample from them (alias: --num-prompts)." json:"num_dataset_entries"`
	ConversationTurnMean    float64 `name:"conversation-turn-mean" aliases:"session-turns-mean" default:"1" group:"Conversation Input" placeholder:"N" help:"Mean number of turns per conversation (alias: --session-turns-mean)." json:"conversation_turn_mean"`
	ConversationTurnStddev  float64 `name:"conversation-turn-stddev" aliases:"session-turns-stddev" default:"0" group:"Conversation Input" placeholder:"N" help:"Standard deviation of turns per conversation (alias: --session-turns-stddev)." json:"conversation_turn_stddev"`
	ConversationDelayMean   float64 `name:"conversation-turn-delay-mean" aliases:"session-turn-delay-mean" default:"0" group:"Conversation Input" placeholder:"MS" help:"Mean think time before turns 2..n, in ms (alias: --session-turn-delay-mean)." json:"conversation_turn_delay_mean"`
	ConversationDelayStddev float64 `name:"conversation-turn-delay-stddev" aliases:"session-turn-delay-stddev" default:"0" group:"Conversation Input" placeholder:"MS" help:"Standard deviation of think time, in ms (alias: --session-turn-delay-stddev)." json:"conversation_turn_delay_stddev"`
	ConversationDelayRatio  float64 `name:"conversation-turn-delay-ratio" aliases:"session-delay-ratio" default:"1.0" group:"Conversation Input" placeholder:"R" help:"Factor applied to every sampled think time (alias: --session-delay-ratio)." json:"conversation_turn_delay_ratio"`
	InputRecords            string  `name:"input-records" group:"Input" placeholder:"JSONL" help:"The dataset's records themselves, one JSON object per line, read as an --input-file of the --custom-dataset-type (a config file's inline dataset: dataset.records)." json:"input_records,omitempty"`
	InputFile               string  `name:"input-file" group:"Input" placeholder:"PATH" help:"Dataset file (or folder, for random_pool) of the --custom-dataset-type, or the local ShareGPT JSON for --public-dataset sharegpt." json:"input_file,omitempty"`
	CustomDatasetType       string  `name:"custom-dataset-type" enum:",single_turn,multi_turn,random_pool,mooncake_trace,inputs_json,burst_gpt_trace,bailian_trace,raw_payload" default:"" group:"Input" help:"Format of --input-file: single_turn, multi_turn, random_pool, mooncake_trace, inputs_json, burst_gpt_trace (BurstGPT's CSV), bailian_trace (Alibaba's Qwen usage traces), raw_payload (request bodies sent verbatim; a folder: a file per conversation)." json:"custom_dataset_type,omitempty"`
	PublicDataset           string  `name:"public-dataset" enum:",sharegpt" default:"" group:"Input" help:"A public dataset read from a local copy (--input-file): sharegpt (every turn of each conversation is sent)." json:"public_dataset,omitempty"`
	ISLBlockSize            int     `name:"prompt-input-tokens-block-size" aliases:"synthetic-input-tokens-block-size,isl-block-size" default:"512" group:"Input" placeholder:"N" help:"Tokens per hash id in mooncake traces (aliases: --synthetic-input-tokens-block-size, --isl-block-size)." json:"isl_block_size"`
	FixedSchedule           bool    `name:"fixed-schedule" group:"Fixed Schedule" help:"Send each conversation at its trace timestamp (on by default for timestamped traces)." json:"fixed_schedule,omitempty"`
	NoFixedSchedule         bool    `name:"no-fixed-schedule" group:"Fixed Schedule" help:"Do not switch timestamped traces to a fixed schedule." json:"no_fixed_schedule,omitempty"`
	IgnoreTraceDelays       bool    `name:"ignore-trace-delays" group:"Fixed Schedule" help:"Drop a file's timestamps and delays as it is read, so turns go back to back at the load asked for (no effect with --fixed-schedule)." json:"ignore_trace_delays,omitempty"`
	CacheBust               string  `name:"cache-bust" default:"none" enum:"none,system_prefix,system_suffix,first_turn_prefix,first_turn_suffix" group:"Cache Bust" help:"Put a marker unique to this run and conversation at the start or end of the system prompt or first turn, so no prefix cache serves an earlier run's prompts: none, system_prefix, system_suffix, first_turn_prefix, first_turn_suffix." json:"cache_bust,omitempty"`
	FixedAutoOffset         bool    `name:"fixed-schedule-auto-offset" group:"Fixed Schedule" help:"Shift timestamps so that the first one is 0." json:"fixed_schedule_auto_offset,omitempty"`
	FixedStartOffset        *int64  `name:"fixed-schedule-start-offset" group:"Fixed Schedule" placeholder:"MS" help:"Drop conversations starting before this timestamp (ms); it becomes time 0." json:"fixed_schedule_start_offset,omitempty"`
	FixedEndOffset          *int64  `name:"fixed-schedule-end-offset" group:"Fixed Schedule" placeholder:"MS" help:"Drop conversations starting after this timestamp (ms)." json:"fixed_schedule_end_offset,omitempty"`
	ContextMode             string  `name:"conversation-context-mode" default:"deltas_without_responses" enum:"deltas_without_responses,deltas_with_responses,message_array_with_responses" group:"Conversation Input" help:"What each turn resends: deltas_without_responses (the dataset holds user turns only; the history carries the server's live answers), or deltas_with_responses / message_array_with_responses (the dataset's pre-canned answers, so every run sends the same prompts)." json:"conversation_context_mode"`
	ReplayOutputs           string  `name:"replay-outputs" group:"Conversation Input" placeholder:"FILE" help:"Use the answers in a previous run's outputs.json as pre-canned responses: two runs with the same seed then send byte-identical prompts at every turn (A/B comparisons)." json:"replay_outputs,omitempty"`

	// Prompts
	InputTokensMean             int       `name:"prompt-input-tokens-mean" aliases:"synthetic-input-tokens-mean,isl" default:"550" group:"Input Sequence Length (ISL)" placeholder:"N" help:"Mean tokens in each synthetic user turn (aliases: --synthetic-input-tokens-mean, --isl)." json:"prompt_input_tokens_mean"`
	InputTokensStddev           float64   `name:"prompt-input-tokens-stddev" aliases:"synthetic-input-tokens-stddev,isl-stddev" default:"0" group:"Input Sequence Length (ISL)" placeholder:"N" help:"Standard deviation of user-turn tokens (aliases: --synthetic-input-tokens-stddev, --isl-stddev)." json:"prompt_input_tokens_stddev"`
	ISLDistribution             string    `name:"isl-distribution" group:"Input Sequence Length (ISL)" placeholder:"JSON" help:"ISL as a sampling distribution, AIPerf's YAML shapes as JSON: {\"mean\":1024,\"median\":512} (log-normal), {\"p50\":500,\"p99\":4000}, {\"peaks\":[{\"mean\":256,\"stddev\":30,\"weight\":70},{\"value\":2048,\"weight\":30}]}, {\"points\":[…]}, with min and max clamps (overrides the ISL mean and stddev)." json:"isl_distribution,omitempty"`
	PrefixPoolSize              int       `name:"prompt-prefix-pool-size" aliases:"prefix-prompt-pool-size,num-prefix-prompts" default:"0" group:"Prompt" placeholder:"N" help:"Pool of N prefixes; one starts each conversation's first turn (aliases: --prefix-prompt-pool-size, --num-prefix-prompts)." json:"prompt_prefix_pool_size,omitempty"`
	PrefixLength                int       `name:"prompt-prefix-length" aliases:"prefix-prompt-length" default:"0" group:"Prompt" placeholder:"N" help:"Tokens per pooled prefix, added to the ISL (alias: --prefix-prompt-length)." json:"prompt_prefix_length,omitempty"`
	SharedSystemLength          int       `name:"shared-system-prompt-length" default:"0" group:"Prompt" placeholder:"N" help:"One system prompt of N tokens shared by every conversation." json:"shared_system_prompt_length,omitempty"`
	UserContextLength           int       `name:"user-context-prompt-length" default:"0" group:"Prompt" placeholder:"N" help:"A context of N tokens unique to each conversation, starting its first turn." json:"user_context_prompt_length,omitempty"`
	SeqDist                     string    `name:"seq-dist" aliases:"sequence-distribution" group:"Prompt" placeholder:"ISL,OSL:PCT;..." help:"Distribution of (ISL, OSL) pairs, e.g. '256,128:60;512,256:40' or '256|10,128|5:100' (overrides the ISL/OSL flags)." json:"seq_dist,omitempty"`
	PromptBatchSize             int       `name:"prompt-batch-size" short:"b" aliases:"batch-size-text,batch-size" default:"1" group:"Prompt" placeholder:"N" help:"Prompts per request (completions, embeddings, template; aliases: -b, --batch-size-text, --batch-size)." json:"prompt_batch_size"`
	UUIDAndStrip                bool      `name:"uuid-and-strip" group:"Endpoint" help:"Images of a single_turn file with image_uuids: each part carries its uuid, and an image a session has already sent goes as its uuid alone (vLLM's multimodal cache; lines grouped by session_id)." json:"uuid_and_strip,omitempty"`
	RequestContentType          string    `name:"request-content-type" enum:",application/json,multipart/form-data" default:"" group:"Endpoint" placeholder:"TYPE" help:"Request body encoding: application/json, or multipart/form-data (a JSON API's top-level fields as form fields; video_generation's default). Unset: each API's own." json:"request_content_type,omitempty"`
	ImageWidthMean              float64   `name:"image-width-mean" default:"0" group:"Image" placeholder:"PX" help:"Mean width of the synthetic images sent with each chat turn; images are on when it, --image-height-mean and --image-batch-size are above 0." json:"image_width_mean,omitempty"`
	ImageWidthStddev            float64   `name:"image-width-stddev" default:"0" group:"Image" placeholder:"PX" help:"Standard deviation of the images' widths." json:"image_width_stddev,omitempty"`
	ImageHeightMean             float64   `name:"image-height-mean" default:"0" group:"Image" placeholder:"PX" help:"Mean height of the synthetic images." json:"image_height_mean,omitempty"`
	ImageHeightStddev           float64   `name:"image-height-stddev" default:"0" group:"Image" placeholder:"PX" help:"Standard deviation of the images' heights." json:"image_height_stddev,omitempty"`
	ImageBatchSize              int       `name:"image-batch-size" aliases:"batch-size-image" default:"1" group:"Image" placeholder:"N" help:"Images per turn (0 turns them off; alias: --batch-size-image)." json:"image_batch_size,omitempty"`
	ImageFormat                 string    `name:"image-format" default:"png" enum:"png,jpeg,random" group:"Image" help:"png, jpeg, or random (either, per image)." json:"image_format,omitempty"`
	ImageSource                 string    `name:"image-source" default:"noise" group:"Image" placeholder:"SOURCE" help:"noise (random pixels: no two images alike), assets (sonde's four built-in drawings, resized), or a folder of PNG or JPEG files (resized)." json:"image_source,omitempty"`
	ImageSourceSampling         string    `name:"image-source-sampling" default:"random-with-replacement" enum:"random-with-replacement,shuffle-cycle,sequential-cycle" group:"Image" help:"How assets or a folder's images are drawn: random-with-replacement, shuffle-cycle, or sequential-cycle." json:"image_source_sampling,omitempty"`
	AudioBatchSize              int       `name:"audio-batch-size" aliases:"batch-size-audio" default:"1" group:"Audio" placeholder:"N" help:"Audio clips per chat turn (0 turns them off; alias: --batch-size-audio); audio is on when --audio-length-mean is above 0." json:"audio_batch_size,omitempty"`
	AudioLengthMean             float64   `name:"audio-length-mean" default:"0" group:"Audio" placeholder:"SEC" help:"Mean length of the synthetic clips (Gaussian noise) sent with each chat turn." json:"audio_length_mean,omitempty"`
	AudioLengthStddev           float64   `name:"audio-length-stddev" default:"0" group:"Audio" placeholder:"SEC" help:"Standard deviation of the clips' lengths." json:"audio_length_stddev,omitempty"`
	AudioFormat                 string    `name:"audio-format" default:"wav" enum:"wav,mp3" group:"Audio" help:"wav, or mp3 (encoded by FFmpeg, which must be on PATH)." json:"audio_format,omitempty"`
	AudioDepths                 []int     `name:"audio-depths" default:"16" group:"Audio" placeholder:"BITS" help:"Bit depths, one drawn per clip: 8, 16, 24 or 32." json:"audio_depths,omitempty"`
	AudioSampleRates            []float64 `name:"audio-sample-rates" default:"16" group:"Audio" placeholder:"KHZ" help:"Sample rates in kHz, one drawn per clip (16 for speech)." json:"audio_sample_rates,omitempty"`
	AudioNumChannels            int       `name:"audio-num-channels" default:"1" group:"Audio" placeholder:"N" help:"1 (mono) or 2 (stereo)." json:"audio_num_channels,omitempty"`
	VideoBatchSize              int       `name:"video-batch-size" aliases:"batch-size-video" default:"1" group:"Video" placeholder:"N" help:"Videos per chat turn (0 turns them off; alias: --batch-size-video); videos are on when --video-width and --video-height are set." json:"video_batch_size,omitempty"`
	VideoDuration               float64   `name:"video-duration" default:"5.0" group:"Video" placeholder:"SEC" help:"Length of each synthetic video." json:"video_duration,omitempty"`
	VideoFPS                    int       `name:"video-fps" default:"4" group:"Video" placeholder:"N" help:"Frames per second." json:"video_fps,omitempty"`
	VideoWidth                  int       `name:"video-width" default:"0" group:"Video" placeholder:"PX" help:"Frame width; set with --video-height to send videos (encoded by FFmpeg, which must be on PATH)." json:"video_width,omitempty"`
	VideoHeight                 int       `name:"video-height" default:"0" group:"Video" placeholder:"PX" help:"Frame height." json:"video_height,omitempty"`
	VideoSynthType              string    `name:"video-synth-type" default:"moving_shapes" enum:"moving_shapes,grid_clock,noise" group:"Video" help:"moving_shapes (coloured shapes crossing black), grid_clock (a grid, a clock and the frame number), or noise (random pixels)." json:"video_synth_type,omitempty"`
	VideoFormat                 string    `name:"video-format" default:"webm" enum:"webm,mp4" group:"Video" help:"Container: webm or mp4." json:"video_format,omitempty"`
	VideoCodec                  string    `name:"video-codec" default:"libvpx-vp9" group:"Video" placeholder:"CODEC" help:"FFmpeg video encoder: libvpx-vp9, libvpx, libx264, libx265, h264_nvenc, …" json:"video_codec,omitempty"`
	VideoAudioSampleRate        float64   `name:"video-audio-sample-rate" default:"44.1" group:"Video" placeholder:"KHZ" help:"Sample rate of the embedded audio track, kHz (8 to 96)." json:"video_audio_sample_rate,omitempty"`
	VideoAudioNumChannels       int       `name:"video-audio-num-channels" default:"0" group:"Video" placeholder:"N" help:"Embedded audio track: 0 (none), 1 (mono) or 2 (stereo) of Gaussian noise." json:"video_audio_num_channels,omitempty"`
	VideoAudioCodec             string    `name:"video-audio-codec" group:"Video" placeholder:"CODEC" help:"The audio track's FFmpeg encoder (libvorbis, libopus, aac); default libvorbis in webm, libopus in mp4." json:"video_audio_codec,omitempty"`
	VideoAudioDepth             int       `name:"video-audio-depth" default:"16" group:"Video" placeholder:"BITS" help:"Bits per sample of the audio track before encoding: 8, 16, 24 or 32." json:"video_audio_depth,omitempty"`
	RankingsPassagesMean        float64   `name:"rankings-passages-mean" default:"1" group:"Rankings" placeholder:"N" help:"Passages per ranking request (synthetic data)." json:"rankings_passages_mean"`
	RankingsPassagesStddev      float64   `name:"rankings-passages-stddev" default:"0" group:"Rankings" placeholder:"N" help:"Standard deviation of the passages per ranking request." json:"rankings_passages_stddev"`
	RankingsPassageTokensMean   int       `name:"rankings-passages-prompt-token-mean" default:"550" group:"Rankings" placeholder:"N" help:"Tokens per passage (synthetic data)." json:"rankings_passages_prompt_token_mean"`
	RankingsPassageTokensStddev float64   `name:"rankings-passages-prompt-token-stddev" default:"0" group:"Rankings" placeholder:"N" help:"Standard deviation of the tokens per passage." json:"rankings_passages_prompt_token_stddev"`
	RankingsQueryTokensMean     int       `name:"rankings-query-prompt-token-mean" default:"550" group:"Rankings" placeholder:"N" help:"Tokens per ranking query (synthetic data)." json:"rankings_query_prompt_token_mean"`
	RankingsQueryTokensStddev   float64   `name:"rankings-query-prompt-token-stddev" default:"0" group:"Rankings" placeholder:"N" help:"Standard deviation of the tokens per query." json:"rankings_query_prompt_token_stddev"`
	OutputTokensMean            *int      `name:"prompt-output-tokens-mean" aliases:"output-tokens-mean,osl" group:"Output Sequence Length (OSL)" placeholder:"N" help:"Mean output tokens requested (max_completion_tokens); unset sends no limit (aliases: --output-tokens-mean, --osl)." json:"prompt_output_tokens_mean,omitempty"`
	OutputTokensStddev          float64   `name:"prompt-output-tokens-stddev" aliases:"output-tokens-stddev,osl-stddev" default:"0" group:"Output Sequence Length (OSL)" placeholder:"N" help:"Standard deviation of output tokens requested (aliases: --output-tokens-stddev, --osl-stddev)." json:"prompt_output_tokens_stddev"`
	OSLMode                     string    `name:"osl-mode" default:"fill" enum:"fill,override" group:"Output Sequence Length (OSL)" help:"With a file: fill gives the drawn output length (--osl, --osl-distribution) to the turns that have none; override to every turn (a config file's composed dataset, augment.osl_mode)." json:"osl_mode,omitempty"`
	OSLDistribution             string    `name:"osl-distribution" group:"Output Sequence Length (OSL)" placeholder:"JSON" help:"Output tokens requested as a sampling distribution, in --isl-distribution's shapes (overrides the OSL mean and stddev)." json:"osl_distribution,omitempty"`
	TokenizerRevision           string    `name:"tokenizer-revision" default:"main" group:"Tokenizer" help:"Hub revision (branch, tag or commit) of the tokenizer to download." json:"tokenizer_revision"`
	TrustRemoteCode             bool      `name:"tokenizer-trust-remote-code" group:"Tokenizer" help:"Accepted for AIPerf's command lines: sonde runs no code from a model repository; it reads tokenizer.json alone." json:"tokenizer_trust_remote_code,omitempty"`
	ApplyChatTemplate           bool      `name:"apply-chat-template" group:"Tokenizer" help:"Count ISL as the tokens of the messages rendered by the model's chat template (tokenizer_config.json or chat_template.jinja beside the tokenizer), as the server prefills them; chat endpoints only." json:"apply_chat_template,omitempty"`
	Tokenizer                   string    `name:"tokenizer" group:"Tokenizer" placeholder:"NAME|PATH" help:"Tokenizer: 'builtin' (o200k_base, offline), a tokenizer.json file or folder, or a Hugging Face id (from the local cache, else downloaded from $HF_ENDPOINT with $HF_TOKEN unless $HF_HUB_OFFLINE). Default: the model name, falling back to builtin." json:"tokenizer,omitempty"`

	// Load
	ConcurrencyList          []int     `name:"concurrency" group:"Load Generator" placeholder:"N[,N…]" help:"Maximum concurrent sessions; a multi-turn session holds its slot across turns and think times. A comma list runs a sweep, one run per value." json:"concurrency,omitempty"`
	RequestRateList          []float64 `name:"request-rate" group:"Load Generator" placeholder:"RPS[,RPS…]" help:"Requests per second; every turn takes one tick of the schedule. A comma list runs a sweep." json:"request_rate,omitempty"`
	ArrivalPattern           string    `name:"arrival-pattern" aliases:"request-rate-mode" default:"poisson" enum:"constant,poisson,gamma,concurrency_burst" group:"Load Generator" help:"Inter-arrival distribution with --request-rate: constant, poisson, gamma (shape --arrival-smoothness), or concurrency_burst (no rate: as fast as --concurrency allows) (alias: --request-rate-mode)." json:"arrival_pattern"`
	ArrivalSmoothness        *float64  `name:"arrival-smoothness" aliases:"vllm-burstiness" group:"Load Generator" placeholder:"K" help:"Gamma shape for --arrival-pattern gamma (1 = Poisson); alias --vllm-burstiness." json:"arrival_smoothness,omitempty"`
	RequestCount             *int      `name:"request-count" aliases:"num-requests" group:"Load Generator" placeholder:"N" help:"Number of requests (turns) to send; default max(10, 2 x concurrency) (alias: --num-requests)." json:"request_count,omitempty"`
	BenchmarkDuration        *float64  `name:"benchmark-duration" group:"Load Generator" placeholder:"SEC" help:"Stop issuing requests after this many seconds." json:"benchmark_duration,omitempty"`
	BenchmarkGracePeriod     *float64  `name:"benchmark-grace-period" group:"Load Generator" placeholder:"SEC" help:"With --benchmark-duration: how long in-flight requests may finish (default 30)." json:"benchmark_grace_period,omitempty"`
	PrefillConcurrency       *int      `name:"prefill-concurrency" group:"Load Generator" placeholder:"N" help:"At most N requests waiting for their first token (needs --streaming)." json:"prefill_concurrency,omitempty"`
	UserCentricRateList      []float64 `name:"user-centric-rate" group:"Load Generator" placeholder:"QPS[,QPS…]" help:"User-centric load: --num-users users each send a turn every num-users/QPS seconds. A comma list runs a sweep." json:"user_centric_rate,omitempty"`
	NumUsers                 *int      `name:"num-users" group:"Load Generator" placeholder:"N" help:"Users for --user-centric-rate." json:"num_users,omitempty"`
	SessionArrivalRate       *float64  `name:"session-arrival-rate" group:"Load Generator" placeholder:"RPS" help:"New sessions per second; each session then runs its turns in order with its think times." json:"session_arrival_rate,omitempty"`
	SessionArrival           string    `name:"session-arrival-pattern" default:"poisson" enum:"constant,poisson,gamma" group:"Load Generator" help:"Distribution of session arrivals for --session-arrival-rate (gamma uses --arrival-smoothness)." json:"session_arrival_pattern"`
	SessionArrivalSmoothness *float64  `name:"session-arrival-smoothness" group:"Load Generator" placeholder:"K" help:"Gamma shape of session arrivals with --session-arrival-pattern gamma (1 Poisson-like, below 1 clustered, above 1 regular); --arrival-smoothness otherwise." json:"session_arrival_smoothness,omitempty"`
	CancellationRate         *float64  `name:"request-cancellation-rate" group:"Load Generator" placeholder:"PCT" help:"Percent of requests cancelled by the client (0 < PCT ≤ 100)." json:"request_cancellation_rate,omitempty"`
	CancellationDelay        *float64  `name:"request-cancellation-delay" group:"Load Generator" placeholder:"SEC" help:"Seconds after the request is sent before it is cancelled (default 0: right after sending)." json:"request_cancellation_delay,omitempty"`
	Phases                   []string  `name:"phase" sep:"none" group:"Load Generator" placeholder:"NAME:KEY=V;…" help:"A further profiling phase after the run's own, in order (repeat for more): its load and stop conditions as flag=value pairs — concurrency, request-rate, arrival-pattern, request-count, benchmark-duration, benchmark-grace-period, request-cancellation-rate, … — from their defaults, not the run's; dataset flags (isl, osl, …) change its prompts; seamless=true starts it once the previous phase has sent its last request. Results cover every profiling phase (AIPerf's multi-phase runs), with a summary per phase beside them." json:"phases,omitempty"`
	CountOrDuration          bool      `name:"count-or-duration" group:"Load Generator" help:"Allow both --request-count and --benchmark-duration: the first reached ends the phase, as a phase of AIPerf's config files may say (AIPerf's command line refuses the pair, and so does sonde's without this flag)." json:"count_or_duration,omitempty"`
	UserFiles                []string  `name:"user-file" sep:"none" group:"Output" placeholder:"JSON" help:"A file of the user's written into the run's folder before it starts (repeatable): {\"path\": \"meta/run.yaml\", \"format\": \"json|yaml|text\", \"content\": …, \"vars\": {…}}; its strings are Jinja, rendered with vars and the run's epoch, job_name, namespace, model, endpoint_url and artifact_dir (a config file's artifacts.user_files)." json:"user_files,omitempty"`
	AdaptiveScale            bool      `name:"adaptive-scale" group:"Adaptive Scale" help:"Raise --adaptive-scale-control's variable from its minimum while every --adaptive-scale-sla holds over each assessment window, then sustain the last value that held (AIPerf's adaptive_scale)." json:"adaptive_scale,omitempty"`
	AdaptiveControl          string    `name:"adaptive-scale-control" group:"Adaptive Scale" placeholder:"VAR:MIN,MAX" help:"What adaptive scale moves and its range: concurrency:1,64, prefill_concurrency:1,16, request_rate:5,80 (a --request-rate phase; :float) or users:1,64 (a --user-centric-rate phase, its total rate kept)." json:"adaptive_scale_control,omitempty"`
	AdaptivePeriod           float64   `name:"adaptive-scale-assessment-period" default:"60" group:"Adaptive Scale" placeholder:"SEC" help:"Length of an assessment window." json:"adaptive_scale_assessment_period,omitempty"`
	AdaptiveMinCompleted     int       `name:"adaptive-scale-min-completed-requests" default:"10" group:"Adaptive Scale" placeholder:"N" help:"Answers a window needs before it is judged (a window with fewer goes on)." json:"adaptive_scale_min_completed_requests,omitempty"`
	AdaptiveSustain          float64   `name:"adaptive-sustain-duration" default:"0" group:"Adaptive Scale" placeholder:"SEC" help:"How long the boundary is held once found, then the phase ends (0: until the phase's own end)." json:"adaptive_sustain_duration,omitempty"`
	AdaptiveStepPolicy       string    `name:"adaptive-scale-step-policy" default:"fixed_percent_step" enum:"fixed_percent_step,fixed_step,sla_margin" group:"Adaptive Scale" help:"How far a passing window raises the value: by --adaptive-scale-step-percent, by --adaptive-scale-base-step, or sla_margin (the base step times the binding SLA's headroom, up to --adaptive-scale-max-step-multiplier)." json:"adaptive_scale_step_policy,omitempty"`
	AdaptiveStepPercent      float64   `name:"adaptive-scale-step-percent" default:"100" group:"Adaptive Scale" placeholder:"PCT" help:"fixed_percent_step's step (100 doubles)." json:"adaptive_scale_step_percent,omitempty"`
	AdaptiveBaseStep         int       `name:"adaptive-scale-base-step" default:"1" group:"Adaptive Scale" placeholder:"N" help:"fixed_step's and sla_margin's step." json:"adaptive_scale_base_step,omitempty"`
	AdaptiveMaxStepMult      float64   `name:"adaptive-scale-max-step-multiplier" default:"4" group:"Adaptive Scale" placeholder:"X" help:"sla_margin's largest multiple of the base step." json:"adaptive_scale_max_step_multiplier,omitempty"`
	AdaptiveSLA              []string  `name:"adaptive-scale-sla" sep:"none" group:"Adaptive Scale" placeholder:"METRIC:STAT:OP:VALUE" help:"A window passes when every one holds (repeatable): request_latency:p95:le:30000, ttft:p95:le:3000, error_rate:avg:le:0.01, output_token_throughput:avg:ge:500; latencies in ms." json:"adaptive_scale_sla,omitempty"`
	WarmupDataset            string    `name:"warmup-dataset" group:"Warmup" placeholder:"KEY=V;…" help:"The warm-up's own prompts: dataset flags from their defaults, isl=64;osl=8;num-dataset-entries=20 (a config file's warm-up phase naming another dataset)." json:"warmup_dataset,omitempty"`
	PhaseName                string    `name:"phase-name" default:"profiling" group:"Load Generator" placeholder:"NAME" help:"Name of the run's own profiling phase, beside --phase's." json:"phase_name,omitempty"`
	WarmupConnections        int       `name:"warmup-connections" default:"0" group:"Warmup" placeholder:"N" help:"Open N TCP connections to each server before profiling, so connection set-up stays out of TTFT (it shows in http_req_connecting otherwise)." json:"warmup_connections,omitempty"`
	SessionOnError           string    `name:"session-on-error" default:"continue" enum:"continue,stop" group:"Load Generator" help:"After a failed turn: continue (AIPerf's behaviour: the next turn is sent, the failed question stays in the history without an answer) or stop (the session's remaining turns are counted as not sent)." json:"session_on_error"`
	WarmupRequestCount       int       `name:"warmup-request-count" aliases:"num-warmup-requests" default:"0" group:"Warmup" placeholder:"N" help:"Requests sent before profiling; their results are discarded (alias: --num-warmup-requests)." json:"warmup_request_count"`
	// Warm-up as a phase of its own (AIPerf's): its stop conditions, first
	// one wins, and its load, each inheriting the profiling one when unset.
	WarmupSessions               *int     `name:"num-warmup-sessions" group:"Warmup" placeholder:"N" help:"Warm up with N whole sessions (conversations) before profiling." json:"num_warmup_sessions,omitempty"`
	WarmupDuration               *float64 `name:"warmup-duration" group:"Warmup" placeholder:"SEC" help:"Warm up for SEC seconds (with a count too, the first reached ends it)." json:"warmup_duration,omitempty"`
	WarmupConcurrency            *int     `name:"warmup-concurrency" group:"Warmup" placeholder:"N" help:"Concurrency of the warm-up (default: --concurrency)." json:"warmup_concurrency,omitempty"`
	WarmupPrefillConcurrency     *int     `name:"warmup-prefill-concurrency" group:"Warmup" placeholder:"N" help:"Prefill concurrency of the warm-up (default: --prefill-concurrency)." json:"warmup_prefill_concurrency,omitempty"`
	WarmupRequestRate            *float64 `name:"warmup-request-rate" group:"Warmup" placeholder:"RATE" help:"Request rate of the warm-up (default: --request-rate)." json:"warmup_request_rate,omitempty"`
	WarmupArrivalPattern         string   `name:"warmup-arrival-pattern" enum:",constant,poisson,gamma,concurrency_burst" default:"" group:"Warmup" placeholder:"PATTERN" help:"Arrival pattern of the warm-up's rate: constant, poisson, gamma, concurrency_burst (default: --arrival-pattern)." json:"warmup_arrival_pattern,omitempty"`
	WarmupGracePeriod            *float64 `name:"warmup-grace-period" group:"Warmup" placeholder:"SEC" help:"With --warmup-duration: wait at most SEC seconds for the warm-up's answers still in flight (default: all of them)." json:"warmup_grace_period,omitempty"`
	WarmupConcurrencyRamp        *float64 `name:"warmup-concurrency-ramp-duration" group:"Warmup" placeholder:"SEC" help:"Ramp the warm-up's concurrency up over SEC seconds (default: --concurrency-ramp-duration)." json:"warmup_concurrency_ramp_duration,omitempty"`
	WarmupPrefillConcurrencyRamp *float64 `name:"warmup-prefill-concurrency-ramp-duration" group:"Warmup" placeholder:"SEC" help:"Ramp the warm-up's prefill concurrency up over SEC seconds (default: --prefill-concurrency-ramp-duration)." json:"warmup_prefill_concurrency_ramp_duration,omitempty"`
	WarmupRequestRateRamp        *float64 `name:"warmup-request-rate-ramp-duration" group:"Warmup" placeholder:"SEC" help:"Ramp the warm-up's rate up over SEC seconds (default: --request-rate-ramp-duration)." json:"warmup_request_rate_ramp_duration,omitempty"`
	RandomSeed                   *int64   `name:"random-seed" group:"Input" placeholder:"SEED" help:"Seed for every random choice; the same seed and flags send byte-identical requests." json:"random_seed,omitempty"`
	SamplingStrategy             string   `name:"dataset-sampling-strategy" default:"" enum:",random,sequential,shuffle" group:"Input" help:"How sessions pick conversations: random (with replacement), sequential, shuffle (default)." json:"dataset_sampling_strategy,omitempty"`
	Goodput                      string   `name:"goodput" group:"Goodput" placeholder:"TAG:VALUE ..." help:"SLOs as 'metric:value' pairs in display units, e.g. 'time_to_first_token:200 inter_token_latency:10'." json:"goodput,omitempty"`

	// Output
	ArtifactDir     string `name:"output-artifact-dir" aliases:"artifact-dir" default:"artifacts" group:"Output" placeholder:"DIR" help:"Where results go; a run folder is appended unless the flag is given (alias: --artifact-dir)." json:"output_artifact_dir"`
	ExportPrefix    string `name:"profile-export-prefix" aliases:"profile-export-file" group:"Output" placeholder:"NAME" help:"Base name for the export files (alias: --profile-export-file)." json:"profile_export_prefix,omitempty"`
	ExportLevel     string `name:"export-level" aliases:"profile-export-level" default:"records" enum:"summary,records,raw" group:"Output" help:"summary (JSON/CSV), records (+ profile_export.jsonl), raw (+ profile_export_raw.jsonl)." json:"export_level"`
	AutoPlot        bool   `name:"auto-plot" negatable:"" group:"Output" help:"Draw the run's charts (PNG and SVG, as 'sonde plot') into its plots folder at the end." json:"auto_plot,omitempty"`
	PlotRequired    bool   `name:"plot-required" group:"Output" help:"With --auto-plot: a chart that cannot be drawn fails the run (exit 1) instead of a warning." json:"plot_required,omitempty"`
	ExportHTTPTrace bool   `name:"export-http-trace" group:"Output" help:"Add each request's HTTP trace to profile_export.jsonl (trace_data: its phases' wall-clock times, every response chunk's arrival and size, the status)." json:"export_http_trace,omitempty"`
	ShowTraceTiming bool   `name:"show-trace-timing" group:"Output" help:"Print the requests' HTTP phases (blocked, DNS, connecting, sending, waiting, receiving, duration: k6's names) in a console table; they are always in the exports." json:"show_trace_timing,omitempty"`
	ExportOutputs   bool   `name:"export-outputs-json" group:"Output" help:"Write outputs.json with every answer (replayable with --replay-outputs)." json:"export_outputs_json,omitempty"`
	UIType          string `name:"ui-type" aliases:"ui" default:"" enum:",dashboard,simple,none" group:"UI" help:"Progress display: dashboard (full screen, live percentiles; the default on a terminal), simple (one line; the default otherwise) or none." json:"ui_type,omitempty"`
	Verbose         int    `name:"verbose" short:"v" type:"counter" group:"Output" help:"More logging (-v debug, -vv trace)." json:"verbose,omitempty"`
	ExtraVerbose    bool   `name:"extra-verbose" group:"Output" help:"As -vv: a line per request." json:"extra_verbose,omitempty"`
	LogLevel        string `name:"log-level" default:"INFO" enum:"TRACE,DEBUG,INFO,NOTICE,WARNING,SUCCESS,ERROR,CRITICAL,trace,debug,info,notice,warning,success,error,critical" group:"Output" help:"Log level: TRACE, DEBUG, INFO, NOTICE, WARNING, SUCCESS, ERROR or CRITICAL (any case)." json:"log_level"`

	// Config files
	ConfigFile  string `name:"config" short:"f" group:"Config File" placeholder:"FILE" help:"Read options from an AIPerf YAML config file (schemaVersion 2.0; a 'sonde:' section sets any other flag by name); flags given beside it override it." json:"-"`
	PrintConfig bool   `name:"print-config" group:"Config File" help:"Print the options (flags and --config) as a config file and exit; the API key and secret headers are left out." json:"-"`

	// Studies: sweeps, repeated runs, capacity search (internal/study)
	ISLOSLPairs            string   `name:"isl-osl-pairs" group:"Sweeps" placeholder:"ISL:OSL,…" help:"Sweep over (ISL, OSL) pairs, e.g. 128:128,2048:256: one run per pair." json:"isl_osl_pairs,omitempty"`
	SweepCooldown          float64  `name:"parameter-sweep-cooldown-seconds" default:"0" group:"Sweeps" placeholder:"SEC" help:"Pause between the runs of a sweep." json:"parameter_sweep_cooldown_seconds,omitempty"`
	SweepSameSeed          bool     `name:"parameter-sweep-same-seed" negatable:"" group:"Sweeps" help:"Use the same seed for every value of a sweep (default: seed + the value's index)." json:"parameter_sweep_same_seed,omitempty"`
	NoSweepTable           bool     `name:"no-sweep-table" group:"Sweeps" help:"No line per finished run of a sweep or of repeated runs on the console (its results are in its files and in the final table)." json:"no_sweep_table,omitempty"`
	SweepScenarios         []string `name:"sweep-scenario" sep:"none" group:"Sweeps" placeholder:"JSON" help:"A named run of a scenario sweep, repeatable: {\"name\": \"chatbot\", \"flags\": {\"concurrency\": \"64\", \"isl-distribution\": …}} — the flags it changes from the run's (null: back to the default). A config file's sweep: {type: scenarios, runs: […]} becomes these." json:"sweep_scenarios,omitempty"`
	SweepType              string   `name:"sweep-type" default:"grid" enum:"grid,zip" group:"Sweeps" help:"With several list flags (--concurrency 1,2 --request-rate 5,10): grid runs every combination, zip pairs the lists element by element (they must be as long as each other)." json:"sweep_type,omitempty"`
	SweepMode              string   `name:"parameter-sweep-mode" default:"repeated" enum:"repeated,independent" group:"Sweeps" help:"With --num-profile-runs: repeated (the whole sweep once per trial) or independent (every trial of a value before the next value)." json:"parameter_sweep_mode,omitempty"`
	NumProfileRuns         int      `name:"num-profile-runs" default:"1" group:"Multi-Run" placeholder:"N" help:"Run the benchmark N times (1 to 10) and report confidence intervals across the runs." json:"num_profile_runs,omitempty"`
	RunCooldown            float64  `name:"profile-run-cooldown-seconds" default:"0" group:"Multi-Run" placeholder:"SEC" help:"Pause between repeated runs." json:"profile_run_cooldown_seconds,omitempty"`
	ConfidenceLevel        float64  `name:"confidence-level" default:"0.95" group:"Multi-Run" placeholder:"P" help:"Confidence level of the intervals (Student's t), between 0 and 1." json:"confidence_level,omitempty"`
	ConsistentSeed         bool     `name:"set-consistent-seed" default:"true" negatable:"" group:"Multi-Run" help:"Every repeated run uses the same seed (42 unless --random-seed); --no-set-consistent-seed draws one per run." json:"set_consistent_seed"`
	VarySeedPerTrial       bool     `name:"vary-seed-per-trial" negatable:"" group:"Multi-Run" help:"Repeated run k uses seed + k (a different but reproducible workload each time)." json:"vary_seed_per_trial,omitempty"`
	WarmupOnlyFirst        bool     `name:"profile-run-disable-warmup-after-first" default:"true" negatable:"" group:"Multi-Run" help:"Send the warm-up requests before the first repeated run only." json:"profile_run_disable_warmup_after_first"`
	ConvergenceMetric      string   `name:"convergence-metric" group:"Multi-Run" placeholder:"TAG" help:"Stop repeating once this metric's estimate is tight enough (up to --num-profile-runs runs, at least 3)." json:"convergence_metric,omitempty"`
	ConvergenceStat        string   `name:"convergence-stat" default:"avg" enum:"avg,p50,p90,p95,p99,min,max" group:"Multi-Run" help:"The statistic of --convergence-metric that must converge." json:"convergence_stat,omitempty"`
	ConvergenceThreshold   float64  `name:"convergence-threshold" default:"0.1" group:"Multi-Run" placeholder:"R" help:"Converged when the confidence interval's width over the mean (ci_width) or the coefficient of variation (cv) is at most this." json:"convergence_threshold,omitempty"`
	ConvergenceMode        string   `name:"convergence-mode" default:"ci_width" enum:"ci_width,cv" group:"Multi-Run" help:"How convergence is judged: ci_width or cv." json:"convergence_mode,omitempty"`
	TTFTSLA                *float64 `name:"ttft-sla-ms" group:"Capacity Search" placeholder:"MS" help:"SLA on time to first token; with a --concurrency-min/-max (or rate) range, searches the largest load meeting every SLA." json:"ttft_sla_ms,omitempty"`
	ITLSLA                 *float64 `name:"itl-sla-ms" group:"Capacity Search" placeholder:"MS" help:"SLA on inter-token latency (ms)." json:"itl_sla_ms,omitempty"`
	TPOTSLA                *float64 `name:"tpot-sla-ms" group:"Capacity Search" placeholder:"MS" help:"SLA on time per output token (ms): the same as --itl-sla-ms (TPOT and ITL are one metric, inter_token_latency)." json:"tpot_sla_ms,omitempty"`
	E2ESLA                 *float64 `name:"e2e-sla-ms" group:"Capacity Search" placeholder:"MS" help:"SLA on request latency (ms)." json:"e2e_sla_ms,omitempty"`
	ErrorRateSLA           *float64 `name:"error-rate-sla" group:"Capacity Search" placeholder:"FRACTION" help:"SLA on the fraction of failed requests (0.01 = 1 %)." json:"error_rate_sla,omitempty"`
	SLOAttainment          float64  `name:"slo-attainment-fraction" default:"0.95" group:"Capacity Search" placeholder:"F" help:"A load meets the SLAs when at least this fraction of its requests meets every one." json:"slo_attainment_fraction,omitempty"`
	ConcurrencyMin         *int     `name:"concurrency-min" group:"Capacity Search" placeholder:"N" help:"Lower end of a concurrency search." json:"concurrency_min,omitempty"`
	ConcurrencyMax         *int     `name:"concurrency-max" group:"Capacity Search" placeholder:"N" help:"Upper end of a concurrency search." json:"concurrency_max,omitempty"`
	RequestRateMin         *float64 `name:"request-rate-min" group:"Capacity Search" placeholder:"RPS" help:"Lower end of a request-rate search." json:"request_rate_min,omitempty"`
	RequestRateMax         *float64 `name:"request-rate-max" group:"Capacity Search" placeholder:"RPS" help:"Upper end of a request-rate search." json:"request_rate_max,omitempty"`
	UserCentricRateMin     *float64 `name:"user-centric-rate-min" group:"Capacity Search" placeholder:"QPS" help:"Lower end of a user-centric-rate search (with --num-users)." json:"user_centric_rate_min,omitempty"`
	UserCentricRateMax     *float64 `name:"user-centric-rate-max" group:"Capacity Search" placeholder:"QPS" help:"Upper end of a user-centric-rate search." json:"user_centric_rate_max,omitempty"`
	SearchMaxProbes        int      `name:"search-max-iterations" default:"12" group:"Capacity Search" placeholder:"N" help:"Most runs a capacity search may make (2 to 200)." json:"search_max_iterations,omitempty"`
	ConcurrencyRamp        *float64 `name:"concurrency-ramp-duration" group:"Load Generator" placeholder:"SEC" help:"Start the --concurrency sessions one after another over this many seconds (a linear climb) instead of all at once." json:"concurrency_ramp_duration,omitempty"`
	PrefillConcurrencyRamp *float64 `name:"prefill-concurrency-ramp-duration" group:"Load Generator" placeholder:"SEC" help:"Open the --prefill-concurrency slots one after another over SEC seconds, from one to all, in equal steps." json:"prefill_concurrency_ramp_duration,omitempty"`
	RequestRateRamp        *float64 `name:"request-rate-ramp-duration" group:"Load Generator" placeholder:"SEC" help:"Climb linearly from near 0 to --request-rate over this many seconds; intended send times follow the ramp." json:"request_rate_ramp_duration,omitempty"`
	RequestRateSeries      string   `name:"request-rate-series" group:"Load Generator" placeholder:"T:RPS,…" help:"Piecewise-linear request rate over time: 'SECONDS:RATE,…' from 0 (or the JSON [[seconds, rate], …]); the last rate holds after the last point." json:"request_rate_series,omitempty"`
	SliceDuration          *float64 `name:"slice-duration" group:"Output" placeholder:"SEC" help:"Also report every metric per time slice of this length (profile_export_aiperf_timeslices.csv/.json)." json:"slice_duration,omitempty"`
	FailedRequestThreshold *float64 `name:"failed-request-threshold" group:"Load Generator" placeholder:"FRACTION" help:"End the run early when the fraction of failed requests exceeds this (0 to 1), once max(concurrency, 10) requests have ended." json:"failed_request_threshold,omitempty"`

	DownloadVideoContent bool `name:"download-video-content" group:"Endpoint" help:"With --endpoint-type video_generation: download each finished video (GET /v1/videos/{id}/content); the request ends when the download does." json:"download_video_content,omitempty"`

	// OpenTelemetry (internal/otel): every request's span and the GenAI metrics over OTLP
	OTelURL        string   `name:"otel-url" group:"OTel" placeholder:"URL" help:"Export each request as an OpenTelemetry span (the ids of the traceparent it carried) and the GenAI client metrics over OTLP: host[:port] or http(s)://host:port speaks OTLP/HTTP (/v1/traces, /v1/metrics), grpc://host:port OTLP/gRPC. An unreachable collector is a warning; the run goes on." json:"otel_url,omitempty"`
	OTelStream     []string `name:"stream" group:"OTel" placeholder:"DOMAIN" help:"What goes to --otel-url live, during the run: metrics (every second), timing (the spans, as requests end), default (both); what is not streamed goes in batches and at the end." json:"stream,omitempty"`
	OTelAttributes []string `name:"otel-resource-attributes" group:"OTel" placeholder:"KEY=VALUE" help:"OpenTelemetry resource attributes added to every span and metric (key=value, repeatable or comma-separated)." json:"otel_resource_attributes,omitempty"`
	GenAIProvider  string   `name:"gen-ai-provider" group:"OTel" placeholder:"NAME" help:"gen_ai.provider.name of the spans and metrics (default: from the URL's host, openai for an OpenAI-compatible server, anthropic for --endpoint-type messages)." json:"gen_ai_provider,omitempty"`

	// The server's own spans (internal/servertrace): TTFT split
	CollectServerTraces string  `name:"collect-server-traces" group:"OTel" placeholder:"ADDR" help:"Receive the server's own OpenTelemetry spans (OTLP/gRPC and OTLP/HTTP on this host:port; point vLLM's --otlp-traces-endpoint here) and split each request's TTFT into client send, network, the server's input processing, queue and prefill, joined by the trace id each request carries. A sim:// server sends its spans here by itself." json:"collect_server_traces,omitempty"`
	ServerTracesWait    float64 `name:"server-traces-wait" default:"10" group:"OTel" placeholder:"SEC" help:"After the last answer, wait for the server's late spans (vLLM exports every 5 s) until this long passes without one." json:"server_traces_wait,omitempty"`

	// Experiment trackers (internal/tracker): after the run, its results and files
	MLflowTrackingURI   string   `name:"mlflow-tracking-uri" group:"MLflow" placeholder:"URI" help:"After the run, send it to this MLflow tracking server (http(s)://host:port; its REST API): a run with params, every summary statistic as a metric, tags, and the files as artifacts; mlflow_export.json names the run. Credentials: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD. A failure is a warning." json:"mlflow_tracking_uri,omitempty"`
	MLflowExperiment    string   `name:"mlflow-experiment" default:"aiperf" group:"MLflow" placeholder:"NAME" help:"The MLflow experiment (created when new)." json:"mlflow_experiment,omitempty"`
	MLflowRunName       string   `name:"mlflow-run-name" group:"MLflow" placeholder:"NAME" help:"The MLflow run's name (default: sonde- and the benchmark id's first 8 characters)." json:"mlflow_run_name,omitempty"`
	MLflowTags          []string `name:"mlflow-tag" group:"MLflow" placeholder:"KEY:VALUE" help:"Tags of the MLflow run (key:value, repeatable or comma-separated)." json:"mlflow_tags,omitempty"`
	MLflowParentRunID   string   `name:"mlflow-parent-run-id" group:"MLflow" placeholder:"RUN_ID" help:"Make the run a child of this MLflow run (a sweep's runs under one parent); a parent that does not exist makes a root run, with a warning." json:"mlflow_parent_run_id,omitempty"`
	MLflowArtifactGlobs []string `name:"mlflow-artifact-glob" group:"MLflow" placeholder:"GLOB" help:"Which files of the run go as artifacts (repeatable; **/ matches in subfolders). Default: *.json *.csv *.jsonl *.parquet *_timeslices.* **/*.png **/*.jpg **/*.jpeg **/*.svg **/*.html." json:"mlflow_artifact_globs,omitempty"`
	WandBProject        string   `name:"wandb-project" group:"WandB" placeholder:"NAME" help:"After the run, send it to this Weights & Biases project (its HTTP API; WANDB_API_KEY, and WANDB_BASE_URL for a server of your own): the run with its config, tags and every summary statistic, and its files. A failure is a warning." json:"wandb_project,omitempty"`
	WandBEntity         string   `name:"wandb-entity" group:"WandB" placeholder:"NAME" help:"The W&B entity (team or user; default: WANDB_ENTITY, else the key's own)." json:"wandb_entity,omitempty"`
	WandBRunName        string   `name:"wandb-run-name" group:"WandB" placeholder:"NAME" help:"The W&B run's display name (default: sonde- and the benchmark id's first 8 characters)." json:"wandb_run_name,omitempty"`
	WandBTags           []string `name:"wandb-tag" group:"WandB" placeholder:"TAG" help:"Tags of the W&B run (repeatable)." json:"wandb_tags,omitempty"`

	// The live API (internal/output): progress, live metrics, Prometheus
	APIPort       *int     `name:"api-port" group:"Service" placeholder:"PORT" help:"Serve the run's progress and live metrics over HTTP while it runs: /api/progress, /api/metrics, /api/run, /api/config, /api/results, a Prometheus /metrics of the client's view, /healthz, /readyz (0: any free port, logged)." json:"api_port,omitempty"`
	StatsInterval *float64 `name:"stats-interval" group:"Service" placeholder:"SEC" help:"How often the run's statistics are updated where they are pushed: the progress line (default 2 s) and the live metrics --stream sends to --otel-url (default 1 s). The live API and the dashboard read them when asked." json:"stats_interval,omitempty"`
	APIHost       string   `name:"api-host" default:"127.0.0.1" group:"Service" placeholder:"HOST" help:"The live API's address (0.0.0.0 to reach it from elsewhere, in Kubernetes)." json:"api_host,omitempty"`

	// The server's view (internal/telemetry)
	ServerMetrics         []string `name:"server-metrics" group:"Server Metrics" placeholder:"URL" help:"More Prometheus endpoints to scrape besides each --url's /metrics (http:// and /metrics are added when missing)." json:"server_metrics,omitempty"`
	NoServerMetrics       bool     `name:"no-server-metrics" group:"Server Metrics" help:"Do not scrape any /metrics." json:"no_server_metrics,omitempty"`
	ServerMetricsFormats  []string `name:"server-metrics-formats" default:"json,csv" group:"Server Metrics" placeholder:"FORMAT" help:"Server-metrics exports: json, csv, jsonl (every scrape)." json:"server_metrics_formats,omitempty"`
	GPUTelemetry          []string `name:"gpu-telemetry" group:"GPU Telemetry" placeholder:"URL" help:"Scrape GPU telemetry from DCGM exporters; given without URLs, localhost:9400 and :9401 are tried." json:"gpu_telemetry,omitempty"`
	NoGPUTelemetry        bool     `name:"no-gpu-telemetry" group:"GPU Telemetry" help:"Do not collect GPU telemetry." json:"no_gpu_telemetry,omitempty"`
	WaitForModelTimeout   float64  `name:"wait-for-model-timeout" default:"0" group:"Readiness" placeholder:"SEC" help:"Wait up to this long for the server to answer before the run starts (0: do not wait)." json:"wait_for_model_timeout,omitempty"`
	WaitForModelMode      string   `name:"wait-for-model-mode" default:"inference" enum:"models,health,inference" group:"Readiness" help:"How readiness is probed: inference (a one-token request of the endpoint, never counted; AIPerf's default), models (GET /v1/models, else /health), health (GET /health)." json:"wait_for_model_mode,omitempty"`
	WaitForModelInterval  float64  `name:"wait-for-model-interval" default:"5" group:"Readiness" placeholder:"SEC" help:"Seconds between readiness probes." json:"wait_for_model_interval,omitempty"`
	ResetKVCache          bool     `name:"reset-kv-cache" group:"Readiness" help:"POST the server's prefix-cache reset (--reset-kv-cache-path) between warm-up and profiling, so every run (and every run of a sweep) starts cold." json:"reset_kv_cache,omitempty"`
	ResetKVCachePath      string   `name:"reset-kv-cache-path" default:"/reset_prefix_cache" group:"Readiness" placeholder:"PATH" help:"Path of the cache reset (vLLM's and SGLang's /reset_prefix_cache)." json:"reset_kv_cache_path,omitempty"`
	ResetKVCacheTimeout   float64  `name:"reset-kv-cache-timeout-seconds" default:"30" group:"Readiness" placeholder:"SEC" help:"How long the cache reset may take per server." json:"reset_kv_cache_timeout_seconds,omitempty"`
	ServerProfiler        bool     `name:"server-profiler" group:"Readiness" help:"POST the server's profiler start (--server-profiler-start-path) to each server just before profiling and its stop once every response is in: vLLM's and SGLang's torch profiler traces the profiling phase alone. Any --server-profiler-* option turns it on." json:"server_profiler,omitempty"`
	ServerProfilerStart   string   `name:"server-profiler-start-path" group:"Readiness" placeholder:"PATH" help:"Path of the profiler start (default /start_profile)." json:"server_profiler_start_path,omitempty"`
	ServerProfilerStop    string   `name:"server-profiler-stop-path" group:"Readiness" placeholder:"PATH" help:"Path of the profiler stop (default /stop_profile)." json:"server_profiler_stop_path,omitempty"`
	ServerProfilerTimeout float64  `name:"server-profiler-timeout-seconds" group:"Readiness" placeholder:"SEC" help:"How long each profiler start or stop may take per server (default 30)." json:"server_profiler_timeout_seconds,omitempty"`
	NetworkLatency        bool     `name:"network-latency-automatic" group:"Server Metrics" help:"Measure TCP connect round trips to each server during the run; report them (network_rtt) and the latencies with them removed (network_adjusted_*)." json:"network_latency_automatic,omitempty"`
	NetworkLatencyMean    float64  `name:"network-latency-mean" group:"Server Metrics" placeholder:"MS" help:"A known mean round trip to the servers, in ms: report the latencies with it removed (network_adjusted_*) without probing. Not with --network-latency-automatic." json:"network_latency_mean,omitempty"`
	NetworkPingInterval   float64  `name:"network-latency-ping-interval" default:"1" group:"Server Metrics" placeholder:"SEC" help:"Seconds between round-trip probes." json:"network_latency_ping_interval,omitempty"`

	// Scale-out: one of several shards of one run
	ShardIndex *int   `name:"shard-index" group:"Scale-Out" placeholder:"I" help:"This process is shard I (from 0) of --shard-count; default $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's)." json:"shard_index,omitempty"`
	ShardCount int    `name:"shard-count" default:"0" group:"Scale-Out" placeholder:"N" help:"Split the run over N processes: each runs every N-th session (and user, and arrival) of the same seeded plan; --concurrency, --request-count and the rates are totals. Default $SONDE_SHARD_COUNT, else 1." json:"shard_count,omitempty"`
	StartAt    string `name:"start-at" group:"Scale-Out" placeholder:"TIME" help:"Send the first profiling request at this instant (RFC 3339, or Unix ns): every shard starts together." json:"start_at,omitempty"`
	// The start barrier: shards wait for each other instead of a fixed instant.
	StartBarrier        string  `name:"start-barrier" group:"Scale-Out" placeholder:"DIR" help:"Start the shards together through a folder they all reach (a shared volume): each, once prepared, announces itself there and waits for all --shard-count; they start at the latest ready time plus --start-barrier-margin. Use a fresh folder per run." json:"start_barrier,omitempty"`
	StartBarrierTimeout float64 `name:"start-barrier-timeout" default:"600" group:"Scale-Out" placeholder:"SEC" help:"Fail the run (nothing sent) when a shard has not announced itself this long after this one did." json:"start_barrier_timeout,omitempty"`
	StartBarrierMargin  float64 `name:"start-barrier-margin" default:"5" group:"Scale-Out" placeholder:"SEC" help:"Seconds from the last shard's ready time to the common start: time for every shard to see it." json:"start_barrier_margin,omitempty"`

	// Service: the options of AIPerf's many processes. sonde is one
	// process; each is accepted so that scripts run, and says once what it
	// means here.
	RecordProcessors *int   `name:"record-processor-service-count" aliases:"record-processors" group:"Service" placeholder:"N" help:"Accepted: sonde records on one goroutine, off the request path (ignored)." json:"record_processor_service_count,omitempty"`
	WorkersMax       *int   `name:"workers-max" aliases:"max-workers" group:"Service" placeholder:"N" help:"Accepted: sonde's request goroutines follow the load (the concurrency, the rate); there are no workers to bound (ignored)." json:"workers_max,omitempty"`
	ZMQHost          string `name:"zmq-host" group:"Service" placeholder:"HOST" help:"Accepted: sonde has no message bus between processes (ignored)." json:"zmq_host,omitempty"`
	ZMQIPCPath       string `name:"zmq-ipc-path" group:"Service" placeholder:"PATH" help:"Accepted: sonde has no message bus between processes (ignored)." json:"zmq_ipc_path,omitempty"`
	ZMQDualBind      bool   `name:"zmq-dual-bind" group:"Service" help:"Accepted: sonde has no message bus between processes (ignored)." json:"zmq_dual_bind,omitempty"`

	// The single values of the list flags above, for one run
	// (ResolveLists): nil when not given.
	Concurrency     *int     `kong:"-" json:"-"`
	RequestRate     *float64 `kong:"-" json:"-"`
	UserCentricRate *float64 `kong:"-" json:"-"`

	// ArtifactDirSet is true when --output-artifact-dir was given explicitly.
	ArtifactDirSet bool `kong:"-" json:"-"`
	// RecordsFile is where a run wrote --input-records to be read as its
	// --input-file (plan's; removed when the plan closes).
	RecordsFile string `kong:"-" json:"-"`
	// ArrivalPatternSet and ContextModeSet: the flags were given explicitly.
	ArrivalPatternSet bool `kong:"-" json:"-"`
	ContextModeSet    bool `kong:"-" json:"-"`
	SamplingSet       bool `kong:"-" json:"-"`
	// CLICommand is the command line with secrets redacted.
	CLICommand string `kong:"-" json:"cli_command"`
}

// ResolveLists sets the single-valued load fields from the list flags when
// each holds at most one value, and reports whether one holds several (a
// sweep, run by internal/study).
func (p *Profile) ResolveLists() (sweep bool) {
	one := func(n int) bool {
		sweep = sweep || n > 1
		return n == 1
	}
	if one(len(p.ConcurrencyList)) {
		p.Concurrency = &p.ConcurrencyList[0]
	}
	if one(len(p.RequestRateList)) {
		p.RequestRate = &p.RequestRateList[0]
	}
	if one(len(p.UserCentricRateList)) {
		p.UserCentricRate = &p.UserCentricRateList[0]
	}
	if p.TPOTSLA != nil && p.ITLSLA == nil {
		p.ITLSLA = p.TPOTSLA // TPOT is ITL (AIPerf maps both to inter_token_latency)
	}
	return sweep || p.ISLOSLPairs != "" || len(p.SweepScenarios) > 0
}
