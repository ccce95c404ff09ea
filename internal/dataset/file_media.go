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
	refs, field, err := mediaRefs(j.Image, j.Images, "image")
	if err != nil {
		return field, err
	}
	for _, ref := range refs {
		im, err := media.ImageFromString(ref, dir)
		if err != nil {
			return "images", fmt.Errorf("%s: %v", short(ref), err)
		}
		t.Images = append(t.Images, im)
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
	if refs, field, err = mediaRefs(j.Audio, j.Audios, "audio"); err != nil {
		return field, err
	}
	for _, ref := range refs {
		a, err := media.AudioFromString(ref, dir)
		if err != nil {
			return "audios", fmt.Errorf("%s: %v", short(ref), err)
		}
		t.Audios = append(t.Audios, a)
	}
	if refs, field, err = mediaRefs(j.Video, j.Videos, "video"); err != nil {
		return field, err
	}
	for _, ref := range refs {
		v, err := media.VideoFromString(ref, dir)
		if err != nil {
			return "videos", fmt.Errorf("%s: %v", short(ref), err)
		}
		t.Videos = append(t.Videos, v)
	}
	return "", nil
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
