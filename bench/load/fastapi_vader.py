"""FastAPI + vaderSentiment sentiment service, the Python baseline for bench/load/run.sh.

    uvicorn --workers 2 --host 127.0.0.1 --port PORT fastapi_vader:app

POST /analyze {"text": "..."} -> vaderSentiment 3.3.2 polarity_scores plus a label
(compound >= 0.05 positive, <= -0.05 negative, else neutral: VADER's recommended thresholds).
"""

from fastapi import FastAPI
from pydantic import BaseModel
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

app = FastAPI()
analyzer = SentimentIntensityAnalyzer()  # loads the lexicons once per worker
MAX_CHARS = 10_000


class AnalyzeRequest(BaseModel):
    text: str


class AnalyzeResponse(BaseModel):
    label: str
    compound: float
    pos: float
    neu: float
    neg: float
    backend: str = "vader"


# `async def`: the scoring is short and CPU-bound, so running it on the event loop is faster
# than FastAPI's thread-pool hop for a plain `def` handler (this gives Python its best case).
@app.post("/analyze", response_model=AnalyzeResponse)
async def analyze(req: AnalyzeRequest) -> AnalyzeResponse:
    s = analyzer.polarity_scores(req.text[:MAX_CHARS])
    c = s["compound"]
    label = "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"
    return AnalyzeResponse(label=label, compound=c, pos=s["pos"], neu=s["neu"], neg=s["neg"])


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}
