"""The Gradio web app: visitors' chat, staff admin page, timeline."""
