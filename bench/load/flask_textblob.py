"""Flask + TextBlob sentiment service, the Python baseline for bench/load/run.sh.

    gunicorn --workers 2 --bind 127.0.0.1:PORT flask_textblob:app

POST /analyze {"text": "..."} -> {"label", "polarity", "subjectivity", "backend"}.
TextBlob's default PatternAnalyzer uses the lexicon shipped inside the textblob package:
no NLTK corpora download is needed.
"""

from flask import Flask, jsonify, request
from textblob import TextBlob

app = Flask(__name__)
MAX_CHARS = 10_000


@app.post("/analyze")
def analyze():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return jsonify(error="body must be a JSON object with a string field 'text'"), 400
    text = body["text"][:MAX_CHARS]
    s = TextBlob(text).sentiment
    label = "positive" if s.polarity > 0.05 else "negative" if s.polarity < -0.05 else "neutral"
    return jsonify(
        label=label, polarity=round(s.polarity, 4), subjectivity=round(s.subjectivity, 4), backend="textblob"
    )


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
