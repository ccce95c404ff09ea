package dataset

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/sonde-bench/sonde/internal/media"
)

// media reads a turn's images, audio and videos (AIPerf's fields: one
// and a list of each), and image_uuids.
func (j *turnJSON) media(t *Turn, o *FileOptions) (string, error) {
	dir := filepath.Dir(o.Path)
	var field string
	var err error
	if t.Images, field, err = readMedia(j.Image, j.Images, "image", dir, media.ImageFromString); err != nil {
		return field, err
	}
	if j.ImageUUIDs != nil {
		if len(j.ImageUUIDs) != len(t.Images) {
			return "image_uuids", fmt.Errorf("%d uuids for %d images: one per image, in order (\"\" for none)", len(j.ImageUUIDs), len(t.Images))
		}
		for i, u := range j.ImageUUIDs {
			t.Images[i].UUID = u
		}
	}
	for i := range t.Images {
		if t.Images[i].URL == "" && t.Images[i].UUID == "" {
			return "images", fmt.Errorf("image %d is empty: an image with no content needs its uuid in image_uuids (a cache reference)", i)
		}
	}
	if t.Audios, field, err = readMedia(j.Audio, j.Audios, "audio", dir, media.AudioFromString); err != nil {
		return field, err
	}
	if t.Videos, field, err = readMedia(j.Video, j.Videos, "video", dir, media.VideoFromString); err != nil {
		return field, err
	}
	return "", nil
}

// readMedia reads a turn's media of one kind: its references (mediaRefs),
// each read by read (relative paths from dir); an error names the field.
func readMedia[T any](one, list json.RawMessage, kind, dir string, read func(ref, dir string) (T, error)) ([]T, string, error) {
	refs, field, err := mediaRefs(one, list, kind)
	if err != nil {
		return nil, field, err
	}
	var out []T
	for _, ref := range refs {
		m, err := read(ref, dir)
		if err != nil {
			return nil, kind + "s", fmt.Errorf("%s: %v", short(ref), err)
		}
		out = append(out, m)
	}
	return out, "", nil
}

// mediaRefs reads "<kind>" (one string) and "<kind>s" (a list, or
// {name, contents} objects as "texts").
func mediaRefs(one, list json.RawMessage, kind string) ([]string, string, error) {
	var refs []string
	if len(one) > 0 {
		var s string
		if err := json.Unmarshal(one, &s); err != nil {
			return nil, kind, fmt.Errorf("must be a string: a URL, a file path or base64 data")
		}
		refs = append(refs, s)
	}
	if len(list) > 0 {
		var set textSet
		if err := set.UnmarshalJSON(list); err != nil {
			return nil, kind + "s", fmt.Errorf("must be a list of strings (URLs, file paths or base64 data), or of {name, contents} objects")
		}
		refs = append(refs, set.all...)
	}
	return refs, "", nil
}

// short is a reference for an error message: base64 data cut short.
func short(ref string) string {
	if len(ref) > 60 {
		return ref[:60] + "…"
	}
	return ref
}
