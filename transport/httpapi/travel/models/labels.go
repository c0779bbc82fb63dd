package modelshttp

import (
	"bytes"
	"image"
	_ "image/gif"  // sizes of GIF uploads
	_ "image/jpeg" // sizes of JPEG uploads
	_ "image/png"  // sizes of PNG uploads

	_ "golang.org/x/image/webp" // sizes of WebP uploads
)

// cocoWord translates a label of the app's object detector (YOLOv5 on the
// 80 COCO classes) to the Chinese word a poem can hold.
func cocoWord(label string) (string, bool) {
	w, ok := map[string]string{
		"person": "人", "bicycle": "单车", "car": "车", "motorcycle": "摩托", "airplane": "飞机", "bus": "客车",
		"train": "列车", "truck": "货车", "boat": "舟", "traffic light": "灯", "fire hydrant": "消防栓",
		"stop sign": "路牌", "parking meter": "路桩", "bench": "长椅", "bird": "鸟", "cat": "猫", "dog": "犬",
		"horse": "马", "sheep": "羊", "cow": "牛", "elephant": "象", "bear": "熊", "zebra": "斑马",
		"giraffe": "长颈鹿", "backpack": "行囊", "umbrella": "伞", "handbag": "提包", "tie": "领带",
		"suitcase": "箱", "frisbee": "飞盘", "skis": "雪橇", "snowboard": "雪板", "sports ball": "球",
		"kite": "风筝", "baseball bat": "球棒", "baseball glove": "手套", "skateboard": "滑板",
		"surfboard": "冲浪板", "tennis racket": "球拍", "bottle": "瓶", "wine glass": "酒杯", "cup": "杯",
		"fork": "叉", "knife": "刀", "spoon": "匙", "bowl": "碗", "banana": "香蕉", "apple": "苹果",
		"sandwich": "饼", "orange": "橙", "broccoli": "菜", "carrot": "萝卜", "hot dog": "肠",
		"pizza": "饼", "donut": "糕", "cake": "糕", "chair": "椅", "couch": "榻", "potted plant": "盆花",
		"bed": "床", "dining table": "桌", "toilet": "厕", "tv": "屏", "laptop": "电脑", "mouse": "鼠",
		"remote": "遥控", "keyboard": "键盘", "cell phone": "手机", "microwave": "炉", "oven": "炉",
		"toaster": "炉", "sink": "池", "refrigerator": "冰箱", "book": "书", "clock": "钟", "vase": "瓶",
		"scissors": "剪", "teddy bear": "玩偶", "hair drier": "风", "toothbrush": "牙刷",
	}[label]
	return w, ok
}

// weatherWord is a weather tag as a poem word.
func weatherWord(tag string) (string, bool) {
	switch tag {
	case "sunny":
		return "晴", true
	case "cloudy":
		return "云", true
	case "rainy":
		return "雨", true
	case "snow":
		return "雪", true
	}
	return "", false
}

// size reads a checked picture's width and height from its header.
func size(data []byte) (int, int, bool) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	return cfg.Width, cfg.Height, err == nil
}
