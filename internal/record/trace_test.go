package record

import "testing"

func TestSetTraceParent(t *testing.T) {
	var r Record
	r.SetTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if r.TraceID != "0af7651916cd43dd8448eb211c80319c" || r.SpanID != "b7ad6b7169203331" {
		t.Fatalf("%+v", r)
	}
	var bad Record
	bad.SetTraceParent("00-abc")
	if bad.TraceID != "" || bad.SpanID != "" {
		t.Error("a bad traceparent was read")
	}
}

func TestErrorKind(t *testing.T) {
	if (&Error{Type: "Timeout"}).Kind() != "Timeout" || (&Error{}).Kind() != "error" {
		t.Fatal("Kind")
	}
}
