"""The Python HTTP ceiling: a Flask route that does nothing, under the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello\n"
