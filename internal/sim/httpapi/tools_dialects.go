package httpapi

import (
	"encoding/json"
	"strings"
)

// toolDialect is an API that streams a tool call in events of its own.
type toolDialect interface {
	// toolToken renders a piece of the call's arguments; first opens the
	// call, last ends it.
	toolToken(dst []byte, o *responder, piece string, first, last bool) []byte
}

// toolToken: the Responses API's function_call item, its arguments as
// deltas, then their whole.
func (d *responsesDialect) toolToken(dst []byte, o *responder, piece string, first, last bool) []byte {
	if first {
		dst = event(dst, "response.output_item.added", map[string]any{"type": "response.output_item.added", "sequence_number": d.seq, "output_index": 0,
			"item": map[string]any{"type": "function_call", "id": "fc_" + o.id, "call_id": o.tool.id, "name": o.tool.name, "arguments": "", "status": "in_progress"}})
		d.seq++
	}
	d.args.WriteString(piece)
	dst = event(dst, "response.function_call_arguments.delta", map[string]any{"type": "response.function_call_arguments.delta", "sequence_number": d.seq,
		"item_id": "fc_" + o.id, "output_index": 0, "delta": piece})
	d.seq++
	if last {
		dst = event(dst, "response.function_call_arguments.done", map[string]any{"type": "response.function_call_arguments.done", "sequence_number": d.seq,
			"item_id": "fc_" + o.id, "output_index": 0, "arguments": d.args.String()})
		d.seq++
	}
	return dst
}

// toolOutput is a Responses answer that called the tool.
func (d *responsesDialect) toolOutput(o *responder) []any {
	return []any{map[string]any{"type": "function_call", "id": "fc_" + o.id, "call_id": o.tool.id, "name": o.tool.name,
		"arguments": d.args.String(), "status": "completed"}}
}

// toolToken: the Messages API's tool_use block, its input as JSON pieces.
func (d *messagesDialect) toolToken(dst []byte, o *responder, piece string, first, _ bool) []byte {
	if first {
		if d.block >= 0 {
			dst = event(dst, "content_block_stop", map[string]any{"type": "content_block_stop", "index": d.block})
		}
		d.block++
		d.blockType = "tool_use"
		dst = event(dst, "content_block_start", map[string]any{"type": "content_block_start", "index": d.block,
			"content_block": map[string]any{"type": "tool_use", "id": o.tool.id, "name": o.tool.name, "input": map[string]any{}}})
	}
	return event(dst, "content_block_delta", map[string]any{"type": "content_block_delta", "index": d.block,
		"delta": map[string]any{"type": "input_json_delta", "partial_json": piece}})
}

// toolBlock is a whole Messages answer's call of the tool.
func toolBlock(o *responder, content string) map[string]any {
	return map[string]any{"type": "tool_use", "id": o.tool.id, "name": o.tool.name,
		"input": json.RawMessage(argsPiece(nil, strings.TrimSpace(content), true, true))}
}
