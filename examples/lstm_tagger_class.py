# A part-of-speech tagger in the style of PyTorch's sequence-models tutorial: word embeddings
# feed an LSTM, and a linear layer maps each hidden state to tag scores. The sentence is fed one
# word per time step with a batch of 1. Input: the 5 word indices of one sentence; output:
# log-probabilities over the 3 tags for each word (5 x 3).
import torch
import torch.nn as nn
import torch.nn.functional as F

training_data = [
    ("The cat chased a mouse".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Dogs see the bird".split(), ["NN", "V", "DET", "NN"]),
]
word_to_ix = {}
for sentence, _ in training_data:
    for word in sentence:
        word_to_ix.setdefault(word, len(word_to_ix))
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}

# Tiny on purpose; real taggers use tens or hundreds of dimensions.
EMBEDDING_DIM = 6
HIDDEN_DIM = 6


def prepare_sequence(seq, to_ix):
    return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        # (seq_len, batch=1, embedding_dim) in, one hidden state per word out
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
# "The cat chased a mouse", i.e. prepare_sequence(training_data[0][0], word_to_ix)
tag_scores = model(torch.tensor([0, 1, 2, 3, 4]))
